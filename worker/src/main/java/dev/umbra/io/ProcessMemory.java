package dev.umbra.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** This process's memory as the operating system counts it: the JVM's and libtorch's native memory together. */
public final class ProcessMemory {

    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {}

    /** Resident bytes (VmRSS of /proc/self/status); empty where there is no /proc (not Linux). */
    public static OptionalLong residentBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    return OptionalLong.of(Long.parseLong(line.substring("VmRSS:".length()).trim().split("\\s+")[0])
                            * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc here, or not readable
        }
        return OptionalLong.empty();
    }
}
