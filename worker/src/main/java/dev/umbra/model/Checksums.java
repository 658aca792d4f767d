package dev.umbra.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** SHA-256 of a component's files, so that results name the exact weights that made them. */
public final class Checksums {

    private Checksums() {}

    static ModelIdentity.Component component(String role, Path dir, List<Path> files) {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return new ModelIdentity.Component(role, name == null ? dir.toString() : name.toString(), sha256(files));
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
