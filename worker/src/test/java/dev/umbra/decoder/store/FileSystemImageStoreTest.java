package dev.umbra.decoder.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSystemImageStoreTest {

    @TempDir
    Path root;

    @Test
    void aPlainRequestIdNamesItsFolder() throws IOException {
        URI uri = new FileSystemImageStore(root).put("req-42_a.b", 3, "png", new byte[] {1, 2, 3});
        Path file = Path.of(uri);
        assertEquals(root.resolve("req-42_a.b").resolve("3.png").toAbsolutePath(), file);
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file));
    }

    @Test
    void anyOtherIdIsHashedAndCannotLeaveTheRoot() throws IOException {
        FileSystemImageStore store = new FileSystemImageStore(root);
        for (String id : List.of("../../etc", "..", "a/b", "é", "x".repeat(300), "")) {
            Path file = Path.of(store.put(id, 0, "png", new byte[] {9}));
            assertTrue(file.startsWith(root.toAbsolutePath()), id + " -> " + file);
            assertEquals(root.toAbsolutePath(), file.getParent().getParent(), id + " -> " + file);
            assertTrue(file.getParent().getFileName().toString().startsWith("sha256-"), file.toString());
        }
        assertNotEquals(FileSystemImageStore.folderName("a/b"), FileSystemImageStore.folderName("a\\b"));
    }

    @Test
    void storingAgainReplacesAndLeavesNoPartialFiles() throws IOException {
        FileSystemImageStore store = new FileSystemImageStore(root);
        store.put("r", 0, "png", new byte[] {1});
        Path file = Path.of(store.put("r", 0, "png", new byte[] {2, 2}));
        assertArrayEquals(new byte[] {2, 2}, Files.readAllBytes(file));
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "one file per image, no .part left behind");
        }
    }
}
