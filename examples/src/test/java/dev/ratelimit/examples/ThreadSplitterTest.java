package dev.ratelimit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ThreadSplitterTest {

    @Test
    void shortText_isOnePost() {
        assertThat(ThreadSplitter.split("  Hello   world.\nSecond sentence!  ")).containsExactly("1/1 Hello world. Second sentence!");
        assertThat(ThreadSplitter.split(" \n ")).isEmpty();
    }

    @Test
    void posts_breakAtSentences_neverAbove280() {
        String sentence = "This sentence has exactly sixty characters in it, roughly ok. ";
        List<String> posts = ThreadSplitter.split(sentence.repeat(30));
        assertThat(posts).allSatisfy(p -> assertThat(p.length()).isLessThanOrEqualTo(280));
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
        assertThat(posts).allSatisfy(p -> assertThat(p.substring(p.indexOf(' ') + 1)).doesNotContain("wor ").matches("(word ?)+\\.?"));
        String giant = "x".repeat(700);
        List<String> cut = ThreadSplitter.split("Intro. " + giant + " outro.");
        assertThat(cut).allSatisfy(p -> assertThat(p.length()).isLessThanOrEqualTo(280));
        assertThat(String.join("", cut.stream().map(p -> p.substring(p.indexOf(' ') + 1)).toList()).replace(" ", ""))
                .isEqualTo("Intro." + giant + "outro.");
    }

    @Test
    void numbering_widensWhenThereAreTenOrMorePosts() {
        List<String> posts = ThreadSplitter.split(("A sentence that takes up some room in a post, as sentences do. ").repeat(60));
        assertThat(posts.size()).isGreaterThanOrEqualTo(10);
        assertThat(posts.get(0)).startsWith("1/" + posts.size() + " ");
        assertThat(posts).allSatisfy(p -> assertThat(p.length()).isLessThanOrEqualTo(280));
    }
}
