package dev.ratelimit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ThreadSplitterTest {

    @Test
    void shortText_isOnePost() {
        assertThat(ThreadSplitter.split("  Hello   world.\nSecond sentence!  "))
                .containsExactly("1/1 Hello world. Second sentence!");
        assertThat(ThreadSplitter.split(" \n ")).isEmpty();
    }

    @Test
    void posts_breakAtSentences_neverAbove280() {
        String sentence = "This sentence has exactly sixty characters in it, roughly ok. ";
        List<String> posts = ThreadSplitter.split(sentence.repeat(30));
        assertThat(posts).allSatisfy(p -> assertThat(ThreadSplitter.length(p)).isLessThanOrEqualTo(280));
        assertThat(posts).hasSize(8);
        for (int i = 0; i < posts.size(); i++) {
            String body = posts.get(i).substring(posts.get(i).indexOf(' ') + 1);
            assertThat(posts.get(i)).startsWith((i + 1) + "/" + posts.size() + " ");
            assertThat(body).as("whole sentences only").endsWith("roughly ok.").startsWith("This sentence");
        }
    }

    @Test
    void aLongSentence_splitsBetweenWords_andOnlyAGiantWordIsCut() {
        String words = "word ".repeat(100).strip() + ".";
        List<String> posts = ThreadSplitter.split(words);
        assertThat(posts).hasSize(2);
        assertThat(posts)
                .allSatisfy(p -> assertThat(p.substring(p.indexOf(' ') + 1))
                        .doesNotContain("wor ")
                        .matches("(word ?)+\\.?"));
        String giant = "x".repeat(700);
        List<String> cut = ThreadSplitter.split("Intro. " + giant + " outro.");
        assertThat(cut).allSatisfy(p -> assertThat(ThreadSplitter.length(p)).isLessThanOrEqualTo(280));
        assertThat(String.join(
                                "",
                                cut.stream()
                                        .map(p -> p.substring(p.indexOf(' ') + 1))
                                        .toList())
                        .replace(" ", ""))
                .isEqualTo("Intro." + giant + "outro.");
    }

    @Test
    void numbering_widensWhenThereAreTenOrMorePosts() {
        List<String> posts =
                ThreadSplitter.split("A sentence that takes up some room in a post, as sentences do. ".repeat(60));
        assertThat(posts.size()).isGreaterThanOrEqualTo(10);
        assertThat(posts.get(0)).startsWith("1/" + posts.size() + " ");
        assertThat(posts).allSatisfy(p -> assertThat(ThreadSplitter.length(p)).isLessThanOrEqualTo(280));
    }

    private static String body(String post) {
        return post.substring(post.indexOf(' ') + 1);
    }

    /** Where {@code text} may be cut: the ends of its extended grapheme clusters. */
    private static Set<Integer> clusterEnds(String text) {
        Set<Integer> ends = new TreeSet<>();
        Matcher m = Pattern.compile("\\X").matcher(text);
        while (m.find()) {
            ends.add(m.end());
        }
        return ends;
    }

    /** A word of {@code cluster} repeated: split, it must come back whole, cut only between clusters. */
    private static List<String> splitWord(String cluster, int times) {
        String word = cluster.repeat(times);
        List<String> posts = ThreadSplitter.split(word);
        assertThat(posts).allSatisfy(p -> {
            assertThat(ThreadSplitter.length(p)).as("code points of %s", p).isLessThanOrEqualTo(280);
            assertThat(p.codePoints())
                    .as("no unpaired surrogate")
                    .noneMatch(cp -> Character.getType(cp) == Character.SURROGATE);
        });
        List<String> bodies = posts.stream().map(ThreadSplitterTest::body).toList();
        assertThat(String.join("", bodies)).isEqualTo(word);
        Set<Integer> allowed = clusterEnds(word);
        List<Integer> cuts = new ArrayList<>();
        int at = 0;
        for (String b : bodies) {
            at += b.length();
            cuts.add(at);
        }
        assertThat(allowed).containsAll(cuts);
        return posts;
    }

    @Test
    void emoji_countAsOneCharacter_andAreNeverCutInHalf() {
        List<String> posts = splitWord("\uD83D\uDE00", 300);
        assertThat(posts).hasSize(2);
        assertThat(ThreadSplitter.length(posts.get(0)))
                .as("a full post of emoji")
                .isEqualTo(280);
        splitWord("\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67", 100);
        splitWord("\uD83C\uDDEB\uD83C\uDDF7", 200);
        splitWord("\uD83D\uDC4D\uD83C\uDFFD", 200);
    }

    @Test
    void combiningMarks_stayWithTheirLetter() {
        splitWord("e\u0301", 300);
        splitWord("a\u0308\u0301\u0323\u0330", 120);
        splitWord("\u0915\u094D\u0937\u093F", 150);
        splitWord("\uD835\uDC9C\u0308", 200);
    }

    @Test
    void aClusterLongerThanAPost_isCutBetweenCodePoints() {
        String zalgo = "a" + "\u0301".repeat(600);
        List<String> posts = ThreadSplitter.split(zalgo);
        assertThat(posts).allSatisfy(p -> assertThat(ThreadSplitter.length(p)).isLessThanOrEqualTo(280));
        assertThat(String.join("", posts.stream().map(ThreadSplitterTest::body).toList()))
                .isEqualTo(zalgo);
    }

    @Test
    void cjkText_withoutSpaces_isSplitAtSentences_andCutBetweenCharacters() {
        String sentence = "\u65E5\u672C\u8A9E\u306E\u6587\u7AE0\u3092\u5206\u5272\u3057\u307E\u3059\u3002";
        List<String> posts = ThreadSplitter.split(sentence.repeat(60));
        assertThat(posts.size()).isGreaterThan(2);
        assertThat(posts).allSatisfy(p -> {
            assertThat(ThreadSplitter.length(p)).isLessThanOrEqualTo(280);
            assertThat(body(p))
                    .as("whole sentences")
                    .startsWith(sentence.substring(0, 3))
                    .endsWith("\u3002");
        });
        splitWord("\u6F22\uD840\uDC0B", 250);
    }
}
