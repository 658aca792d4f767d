package dev.umbra.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The folder a command writes into. */
public final class OutputFolder {

    private OutputFolder() {}

    /** Creates {@code out} (and its parents) unless it exists; a file in the way is a {@link UsageException}. */
    public static Path prepare(Path out) {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new UsageException(out + ": exists and is not a folder");
        }
        try {
            return Files.createDirectories(out);
        } catch (IOException e) {
            throw new UsageException(out + ": cannot create the output folder (" + e.getMessage() + ")");
        }
    }
}
