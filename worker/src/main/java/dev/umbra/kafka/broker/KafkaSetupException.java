package dev.umbra.kafka.broker;

/** A broker that did not start, or topics that could not be created, within their bounded wait. */
public class KafkaSetupException extends RuntimeException {

    public KafkaSetupException(String message) {
        super(message);
    }

    public KafkaSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
