package dev.umbra.kafka;

/**
 * The cluster refuses this worker: its login failed, or its principal lacks an ACL it needs. Retrying cannot help,
 * so the worker stops; the message is one line naming the cause, the user and the bootstrap servers.
 */
public final class KafkaAccessException extends RuntimeException {

    public KafkaAccessException(String message, Throwable cause) {
        super(message, cause);
    }
}
