package dev.umbra.kafka.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void shippedPromptsMixEveryCategoryFromTheStart() {
        List<String> prompts = DemoPrompts.shipped();
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
