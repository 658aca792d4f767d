package dev.umbra.schemas;

import java.util.Objects;
import org.apache.avro.Schema;

/**
 * One writer schema that an {@link EventCodec} can decode.
 *
 * @param recordName simple name of the record type, e.g. {@code PromptRequest}
 * @param version 1-based version: history files are {@code <recordName>.v<version>.avsc} and the
 *     current schema is one more than the newest of them; 0 for a schema registered at run time
 * @param origin where the codec got the schema from
 * @param fingerprint CRC-64-AVRO fingerprint of the schema's Parsing Canonical Form
 * @param schema the writer schema itself
 */
public record SchemaVersion(String recordName, int version, Origin origin, long fingerprint, Schema schema) {

  /** Where a known schema comes from. */
  public enum Origin {
    /** The schema the generated classes were built from: what this jar writes. */
    CURRENT,
    /** An earlier version shipped in the jar under {@code umbra/schemas/history/}. */
    HISTORY,
    /** Added by {@link EventCodec#registerSchema(Schema)}. */
    REGISTERED
  }

  public SchemaVersion {
    Objects.requireNonNull(recordName, "recordName");
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(schema, "schema");
  }

  /** The fingerprint as the 8 bytes follow {@code C3 01} on the wire (little-endian), in hex. */
  public String fingerprintHex() {
    return EventCodec.fingerprintHex(fingerprint);
  }

  /** E.g. {@code PromptRequest v2 (current)}, for messages and logs. */
  public String label() {
    return switch (origin) {
      case CURRENT -> recordName + " v" + version + " (current)";
      case HISTORY -> recordName + " v" + version;
      case REGISTERED -> recordName + " (registered at run time)";
    };
  }
}
