package dev.umbra.schemas;

import java.util.Objects;

/**
 * An event value that {@link EventCodec} could not turn into a record. The only exception its
 * decode methods throw for bad input; {@link #reason()} says which of the stable failure kinds it
 * is, and its names are the {@code error_code} values of a {@link DeadLetter}. The message is one
 * line and names the offending detail (the bytes seen, the unknown fingerprint in hex, Avro's
 * complaint).
 */
public final class EventDecodeException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Why a value could not be decoded; {@code name()} is the DeadLetter {@code error_code}. */
  public enum Reason {
    /** The value does not start with {@code C3 01}, or is shorter than the 10-byte header. */
    NOT_SINGLE_OBJECT_ENCODED,
    /** The header's fingerprint is not a known version of the expected record type. */
    UNKNOWN_SCHEMA,
    /** The bytes after the header do not decode under the fingerprint's schema, or some are left over. */
    UNDECODABLE,
    /** The value is null (a tombstone) or zero bytes long. */
    EMPTY_VALUE
  }

  private final Reason reason;

  /**
   * @param reason which failure kind this is
   * @param message one line naming the offending detail
   */
  public EventDecodeException(Reason reason, String message) {
    this(reason, message, null);
  }

  /**
   * @param reason which failure kind this is
   * @param message one line naming the offending detail
   * @param cause the underlying Avro or I/O failure, if any
   */
  public EventDecodeException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** The failure kind; {@code reason().name()} is what a DeadLetter's {@code error_code} holds. */
  public Reason reason() {
    return reason;
  }
}
