package dev.umbra.decoder.store;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Pictures as files: {@code ROOT/<request>/<index>.<format>}. A request id is the caller's string, so it becomes a
 * folder name only when it is plain (letters, digits, {@code -_.}, at most 100 characters); any other id is named
 * by its SHA-256, so no id can escape the root or pass the file system's name length.
 */
public final class FileSystemImageStore implements ImageStore {

    private final Path root;

    public FileSystemImageStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    @Override
    public URI put(String requestId, int index, String format, byte[] bytes) throws IOException {
        Path dir = root.resolve(folderName(requestId));
        Files.createDirectories(dir);
        Path file = dir.resolve(index + "." + format);
        // Written aside, then moved: a reader never sees half a picture.
        Path part = Files.createTempFile(dir, "." + index + "-", ".part");
        try {
            Files.write(part, bytes);
            try {
                Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(part);
        }
        return file.toUri();
    }

    static String folderName(String requestId) {
        boolean plain = !requestId.isEmpty() && requestId.length() <= 100 && !requestId.startsWith(".")
                && requestId.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '_'
                || c == '.'));
        if (plain) {
            return requestId;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(requestId.getBytes(StandardCharsets.UTF_8));
            return "sha256-" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
