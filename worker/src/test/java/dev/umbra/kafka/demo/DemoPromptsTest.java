package dev.umbra.kafka.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.shapes.world.ShapeColor;
import dev.umbra.shapes.world.ShapeKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoPromptsTest {

    @TempDir
    Path tmp;

    @Test
    void worldPromptsComeFromTheGrammarAndCoverEveryCombination() {
        List<String> prompts = DemoPrompts.world();
        assertEquals(DemoPrompts.WORLD_PROMPTS, prompts.size());
        assertEquals(prompts, DemoPrompts.world(), "fixed");
        for (ShapeColor c : ShapeColor.values()) {
            for (ShapeKind k : ShapeKind.values()) {
                String words = c.word() + " " + k.word();
                String paraphrased = k.word() + " that is " + c.word();
                assertTrue(prompts.stream().anyMatch(p -> p.contains(words) || p.contains(paraphrased)), words);
            }
        }
        assertTrue(prompts.stream().anyMatch(p -> p.contains(" to the left of ")));
        assertTrue(prompts.stream().anyMatch(p -> p.startsWith("a picture of ")));
    }

    @Test
    void compBenchPromptsMixEveryCategoryFromTheStart() {
        List<String> prompts = DemoPrompts.compBench();
        assertEquals(1500, prompts.size());
        assertEquals("a green bench and a blue bowl", prompts.get(0)); // color
        assertEquals("an oblong cucumber and a teardrop plum", prompts.get(1)); // shape
        assertEquals("a plastic toy and a glass bottle", prompts.get(2)); // texture
        assertEquals("a giraffe next to a lamp", prompts.get(3)); // spatial
        assertTrue(prompts.get(4).startsWith("A person is looking at a rainbow"), prompts.get(4)); // non-spatial
        assertFalse(prompts.stream().anyMatch(String::isBlank));
    }

    @Test
    void fileErrorsNameTheFile() throws IOException {
        Path empty = Files.writeString(tmp.resolve("empty.txt"), "");
        IOException e = assertThrows(IOException.class, () -> DemoPrompts.fromFile(empty));
        assertTrue(e.getMessage().contains("empty.txt"), e.getMessage());
        assertEquals(List.of("a", "b"), DemoPrompts.fromFile(Files.writeString(tmp.resolve("p.txt"), "a\nb\n")));
    }
}
