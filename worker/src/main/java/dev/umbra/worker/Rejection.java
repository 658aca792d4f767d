package dev.umbra.worker;

import java.util.Objects;

/** Why a request is not run: a stable code and a message naming the offending value and the limit. */
public record Rejection(ErrorCode code, String message) {

    public Rejection {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }
}
