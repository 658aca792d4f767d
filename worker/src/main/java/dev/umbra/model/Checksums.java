package dev.umbra.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** SHA-256 of a component's files, so that results name the exact weights that made them. */
public final class Checksums {

    private Checksums() {}

    static ModelIdentity.Component component(String role, Path dir, List<Path> files) {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return new ModelIdentity.Component(role, name == null ? dir.toString() : name.toString(), sha256(files));
    }

    // Decoder pools load one copy of the weights per thread: each file list is hashed once while it is unchanged.
    private static final Map<List<String>, String> CACHE = new ConcurrentHashMap<>();

    /**
     * {@link #sha256(List)}, remembered for the process while every file keeps its size and modification time, so
     * that a pool of decoders over gigabytes of weights hashes them once.
     */
    public static String sha256Once(List<Path> files) {
        List<String> key = new ArrayList<>();
        try {
            for (Path file : files) {
                key.add(file.toAbsolutePath().normalize() + "|" + Files.size(file) + "|"
                        + Files.getLastModifiedTime(file).toMillis());
            }
        } catch (IOException e) {
            throw new ModelException("cannot checksum " + files + " (" + e.getMessage() + ")", e);
        }
        return CACHE.computeIfAbsent(List.copyOf(key), k -> sha256(files));
    }

    /** SHA-256 of the files' bytes, one after another, in lowercase hex. */
    public static String sha256(List<Path> files) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            for (Path file : files) {
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                    while (ch.read(buf) >= 0) {
                        buf.flip();
                        digest.update(buf);
                        buf.clear();
                    }
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new ModelException("cannot checksum " + files + " (" + e.getMessage() + ")", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
