package dev.umbra.io;

/** Bad input from the user (a file, a value): reported in one line with exit code 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
