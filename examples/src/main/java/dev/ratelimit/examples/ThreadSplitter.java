package dev.ratelimit.examples;

import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns an article into a thread: posts of at most {@link #MAX_POST} code points (what social
 * networks count as characters: an emoji outside the BMP is one, not two UTF-16 chars), numbered
 * {@code 1/5 …}, split at sentence boundaries (the JDK's sentence {@link BreakIterator}). A
 * sentence too long for one post is split between words, and a word is cut only when it alone is
 * longer than a post, and then between user-perceived characters (extended grapheme clusters,
 * regex {@code \X}): never inside a surrogate pair, a combining sequence, an emoji ZWJ sequence or
 * a flag. Only a single cluster longer than a whole post is cut inside, between code points.
 */
final class ThreadSplitter {

    /** The most code points in one post, numbering included. */
    static final int MAX_POST = 280;

    private static final Pattern GRAPHEME = Pattern.compile("\\X");

    private ThreadSplitter() {}

    static List<String> split(String text) {
        String clean = text.strip().replaceAll("\\s+", " ");
        if (clean.isEmpty()) {
            return List.of();
        }
        List<String> sentences = sentences(clean);
        int digits = 1;
        for (; ; ) {
            // "12/12 " takes 2 * digits + 2 code points of every post.
            List<String> bodies = pack(sentences, MAX_POST - (2 * digits + 2));
            int needed = Integer.toString(bodies.size()).length();
            if (needed <= digits) {
                List<String> posts = new ArrayList<>(bodies.size());
                for (int i = 0; i < bodies.size(); i++) {
                    posts.add((i + 1) + "/" + bodies.size() + " " + bodies.get(i));
                }
                return posts;
            }
            digits = needed;
        }
    }

    static int length(CharSequence s) {
        return Character.codePointCount(s, 0, s.length());
    }

    private static List<String> sentences(String text) {
        BreakIterator it = BreakIterator.getSentenceInstance(Locale.ROOT);
        it.setText(text);
        List<String> out = new ArrayList<>();
        for (int start = it.first(), end = it.next(); end != BreakIterator.DONE; start = end, end = it.next()) {
            String sentence = text.substring(start, end).strip();
            if (!sentence.isEmpty()) {
                out.add(sentence);
            }
        }
        return out;
    }

    /** Greedy packing: whole sentences while they fit, else words, else pieces of a word. */
    private static List<String> pack(List<String> sentences, int room) {
        List<String> posts = new ArrayList<>();
        StringBuilder post = new StringBuilder();
        for (String sentence : sentences) {
            if (fits(post, sentence, room)) {
                append(post, sentence);
                continue;
            }
            if (length(sentence) <= room) {
                flush(posts, post);
                post.append(sentence);
                continue;
            }
            for (String word : sentence.split(" ", -1)) {
                if (!fits(post, word, room)) {
                    flush(posts, post);
                }
                if (length(word) > room) {
                    List<String> pieces = cut(word, room);
                    posts.addAll(pieces.subList(0, pieces.size() - 1));
                    word = pieces.get(pieces.size() - 1);
                }
                append(post, word);
            }
        }
        flush(posts, post);
        return posts;
    }

    /** {@code word} in pieces of at most {@code room} code points, cut between grapheme clusters. */
    private static List<String> cut(String word, int room) {
        List<String> pieces = new ArrayList<>();
        StringBuilder piece = new StringBuilder();
        int used = 0;
        Matcher clusters = GRAPHEME.matcher(word);
        while (clusters.find()) {
            String cluster = clusters.group();
            int size = length(cluster);
            if (used + size > room && used > 0) {
                pieces.add(piece.toString());
                piece.setLength(0);
                used = 0;
            }
            // A cluster longer than a whole post (a base letter under hundreds of combining marks)
            // has no boundary to keep: it is cut between code points.
            while (size > room) {
                int end = cluster.offsetByCodePoints(0, room);
                pieces.add(cluster.substring(0, end));
                cluster = cluster.substring(end);
                size -= room;
            }
            piece.append(cluster);
            used += size;
        }
        if (used > 0) {
            pieces.add(piece.toString());
        }
        return pieces;
    }

    private static boolean fits(StringBuilder post, String piece, int room) {
        return length(post) + (post.length() == 0 ? 0 : 1) + length(piece) <= room;
    }

    private static void append(StringBuilder post, String piece) {
        if (post.length() > 0) {
            post.append(' ');
        }
        post.append(piece);
    }

    private static void flush(List<String> posts, StringBuilder post) {
        if (post.length() > 0) {
            posts.add(post.toString());
            post.setLength(0);
        }
    }
}
