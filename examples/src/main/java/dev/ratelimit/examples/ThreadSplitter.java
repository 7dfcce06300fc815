package dev.ratelimit.examples;

import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns an article into a thread: posts of at most {@link #MAX_POST} characters, numbered
 * {@code 1/5 …}, split at sentence boundaries (the JDK's sentence {@link BreakIterator}); a
 * sentence too long for one post is split between words, and a word is cut only when it alone is
 * longer than a post.
 */
final class ThreadSplitter {

    static final int MAX_POST = 280;

    private ThreadSplitter() {
    }

    static List<String> split(String text) {
        String clean = text.strip().replaceAll("\\s+", " ");
        if (clean.isEmpty()) {
            return List.of();
        }
        List<String> sentences = sentences(clean);
        int digits = 1;
        for (;;) {
            // "12/12 " takes 2 * digits + 2 characters of every post.
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
            if (sentence.length() <= room) {
                flush(posts, post);
                post.append(sentence);
                continue;
            }
            for (String word : sentence.split(" ")) {
                if (!fits(post, word, room)) {
                    flush(posts, post);
                }
                while (word.length() > room) {
                    posts.add(word.substring(0, room));
                    word = word.substring(room);
                }
                append(post, word);
            }
        }
        flush(posts, post);
        return posts;
    }

    private static boolean fits(StringBuilder post, String piece, int room) {
        return post.length() + (post.length() == 0 ? 0 : 1) + piece.length() <= room;
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
