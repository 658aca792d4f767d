package dev.umbra.schemas;

import dev.umbra.schemas.EventDecodeException.Reason;
import dev.umbra.schemas.SchemaVersion.Origin;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * Turns Umbra's Kafka event values into records and back, in Avro single-object encoding:
 * {@code C3 01}, the writer schema's 8-byte CRC-64-AVRO fingerprint (little-endian), then the
 * record in Avro binary. The fingerprint names the writer's schema version, so that readers and
 * writers of different releases understand each other without a schema registry.
 *
 * <pre>{@code
 * EventCodec codec = new EventCodec();
 * byte[] value = codec.encode(request);                 // producer side
 * try {
 *   PromptRequest back = codec.decodePromptRequest(value); // consumer side
 * } catch (EventDecodeException e) {
 *   // e.reason().name() is the DeadLetter error_code, e.getMessage() its reason
 * }
 * }</pre>
 *
 * <h2>Schema versions</h2>
 * Each record type ({@link PromptRequest}, {@link ImageResult}, {@link DeadLetter},
 * {@link PriorOutput}) has its own
 * {@link SchemaStore.Cache} holding the current schema (the generated class's) and every earlier
 * version shipped in the jar under {@code umbra/schemas/history/<Type>.v<N>.avsc}. A value written
 * with any of them is decoded into the current generated class, fields it lacks taking their
 * defaults. {@link #registerSchema(Schema)} adds a version at run time, e.g. a newer producer's
 * schema, whose extra fields are then skipped. Writing always uses the current schema.
 *
 * <h2>Threads</h2>
 * Thread-safe: one instance may serve every producer and consumer thread of a process, and
 * {@link #registerSchema(Schema)} may run while other threads decode. Decoded records are new
 * objects owned by the caller (the generated classes themselves are mutable and not thread-safe).
 *
 * <h2>Trusted classes</h2>
 * Avro refuses to instantiate classes it has not been told to trust ({@code SecurityException:
 * Forbidden dev.umbra.schemas...}) unless {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES} names
 * them. So that users of this jar need no flag, loading this class adds exactly the generated
 * classes named by the current schemas to Avro's global {@link ClassSecurityValidator}, on top of
 * whatever it trusted before; nothing else is trusted. An application that later replaces the
 * global validator with {@code ClassSecurityValidator.setGlobal} must trust them itself.
 *
 * <h2>Decoding bytes from strangers</h2>
 * Decoding reads the value through an array-backed Avro decoder, so a length field larger than
 * the value fails as {@link Reason#UNDECODABLE} before anything is allocated. (Avro's
 * {@code BinaryMessageDecoder} reads from a stream and allocates whatever a corrupt length says:
 * a 17-byte value claiming a 1.5 GB string costs 1.5 GB or an {@code OutOfMemoryError}.)
 */
public final class EventCodec {

  /** Classpath folder of the shipped {@code .avsc} files; history versions are in {@code history/} below it. */
  public static final String RESOURCE_ROOT = "umbra/schemas/";

  /** Length of the single-object header: 2 marker bytes and the 8-byte fingerprint. */
  public static final int HEADER_LENGTH = 10;

  private static final byte MARKER_0 = (byte) 0xC3;
  private static final byte MARKER_1 = (byte) 0x01;
  private static final HexFormat HEX = HexFormat.of();

  static {
    trustGeneratedClasses();
  }

  private final Channel<PromptRequest> promptRequests;
  private final Channel<ImageResult> imageResults;
  private final Channel<DeadLetter> deadLetters;
  private final Channel<PriorOutput> priorOutputs;
  private final List<Channel<?>> channels;

  /**
   * A codec knowing the current schemas and every history version packaged with them.
   *
   * @throws IllegalStateException if the packaged {@code .avsc} resources are missing, do not
   *     match the generated classes, or a history version cannot be read by the current schema
   */
  public EventCodec() {
    this(EventCodec.class.getClassLoader());
  }

  /** Reads the packaged {@code .avsc} resources through {@code loader}; for tests of broken packaging. */
  EventCodec(ClassLoader loader) {
    this.promptRequests = new Channel<>(PromptRequest.class, PromptRequest.getClassSchema(), loader);
    this.imageResults = new Channel<>(ImageResult.class, ImageResult.getClassSchema(), loader);
    this.deadLetters = new Channel<>(DeadLetter.class, DeadLetter.getClassSchema(), loader);
    this.priorOutputs = new Channel<>(PriorOutput.class, PriorOutput.getClassSchema(), loader);
    this.channels = List.of(promptRequests, imageResults, deadLetters, priorOutputs);
  }

  /**
   * Encodes a request with the current PromptRequest schema.
   *
   * @throws IllegalArgumentException if the record cannot be written (e.g. null in a required field)
   */
  public byte[] encode(PromptRequest request) {
    return promptRequests.encode(request);
  }

  /**
   * Encodes a result with the current ImageResult schema.
   *
   * @throws IllegalArgumentException if the record cannot be written (e.g. null in a required field)
   */
  public byte[] encode(ImageResult result) {
    return imageResults.encode(result);
  }

  /**
   * Encodes a dead letter with the current DeadLetter schema.
   *
   * @throws IllegalArgumentException if the record cannot be written (e.g. null in a required field)
   */
  public byte[] encode(DeadLetter deadLetter) {
    return deadLetters.encode(deadLetter);
  }

  /**
   * Encodes a prior's output with the current PriorOutput schema.
   *
   * @throws IllegalArgumentException if the record cannot be written (e.g. null in a required field)
   */
  public byte[] encode(PriorOutput output) {
    return priorOutputs.encode(output);
  }

  /**
   * Decodes a prompts-topic value written with any known PromptRequest schema version.
   *
   * @param value the record value as it was on the topic; null for a tombstone
   * @throws EventDecodeException if it is not a readable PromptRequest; {@code reason()} says why
   */
  public PromptRequest decodePromptRequest(byte[] value) {
    return promptRequests.decode(value, this);
  }

  /**
   * Decodes a results-topic value written with any known ImageResult schema version.
   *
   * @param value the record value as it was on the topic; null for a tombstone
   * @throws EventDecodeException if it is not a readable ImageResult; {@code reason()} says why
   */
  public ImageResult decodeImageResult(byte[] value) {
    return imageResults.decode(value, this);
  }

  /**
   * Decodes a dead-letter-topic value written with any known DeadLetter schema version.
   *
   * @param value the record value as it was on the topic; null for a tombstone
   * @throws EventDecodeException if it is not a readable DeadLetter; {@code reason()} says why
   */
  public DeadLetter decodeDeadLetter(byte[] value) {
    return deadLetters.decode(value, this);
  }

  /**
   * Decodes an embeddings-topic value written with any known PriorOutput schema version.
   *
   * @param value the record value as it was on the topic; null for a tombstone
   * @throws EventDecodeException if it is not a readable PriorOutput; {@code reason()} says why
   */
  public PriorOutput decodePriorOutput(byte[] value) {
    return priorOutputs.decode(value, this);
  }

  /**
   * Teaches this codec one more writer schema of PromptRequest, ImageResult or DeadLetter, e.g.
   * the schema of a newer release's producer. Registering a known schema again is a no-op.
   *
   * @param writerSchema a record schema whose full name is one of the event types
   * @return the version now known (the existing one if the fingerprint was already known)
   * @throws IllegalArgumentException if it is not one of the event records, or the current schema
   *     cannot read what it writes (the message says which field and why)
   */
  public SchemaVersion registerSchema(Schema writerSchema) {
    Objects.requireNonNull(writerSchema, "writerSchema");
    for (Channel<?> channel : channels) {
      if (channel.current.getFullName().equals(writerSchema.getFullName())) {
        return channel.register(writerSchema, Origin.REGISTERED, 0, () -> "registered schema");
      }
    }
    throw new IllegalArgumentException("cannot register schema " + writerSchema.getFullName()
        + ": not an event record; expected one of "
        + channels.stream().map(c -> c.current.getFullName()).collect(Collectors.joining(", ")));
  }

  /** Every schema version this codec decodes, by record type (PromptRequest, ImageResult, DeadLetter, PriorOutput), then version. */
  public List<SchemaVersion> schemaVersions() {
    return channels.stream().flatMap(Channel::versions).toList();
  }

  /**
   * A {@link SchemaStore} over every version this codec knows, of every type, for code that
   * wants Avro's own decoders, e.g. {@code PromptRequest.createDecoder(codec.schemaStore())}.
   * It follows later {@link #registerSchema(Schema)} calls.
   */
  public SchemaStore schemaStore() {
    return fingerprint -> channels.stream()
        .map(c -> c.store.findByFingerprint(fingerprint))
        .filter(Objects::nonNull)
        .findFirst()
        .orElse(null);
  }

  /**
   * The CRC-64-AVRO ("Rabin") fingerprint of the schema's Parsing Canonical Form, as Avro's
   * single-object encoding uses it. Docs, defaults and other attributes outside the canonical form
   * do not change it.
   */
  public static long fingerprint(Schema schema) {
    return SchemaNormalization.parsingFingerprint64(Objects.requireNonNull(schema, "schema"));
  }

  /** {@link #fingerprint(Schema)} as the 8 bytes appear after {@code C3 01} on the wire, in hex. */
  public static String fingerprintHex(Schema schema) {
    return fingerprintHex(fingerprint(schema));
  }

  /** A fingerprint as its 8 little-endian wire bytes in lowercase hex, e.g. {@code "4d7a1c..."}. */
  public static String fingerprintHex(long fingerprint) {
    return HEX.formatHex(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(fingerprint).array());
  }

  /** The version some other record type knows under this fingerprint: says "wrong topic?" in messages. */
  private SchemaVersion versionOfAnyType(long fingerprint) {
    for (Channel<?> channel : channels) {
      SchemaVersion v = channel.versions.get(fingerprint);
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  private static void trustGeneratedClasses() {
    Set<String> ours = new TreeSet<>();
    for (Schema s : List.of(PromptRequest.getClassSchema(), ImageResult.getClassSchema(), DeadLetter.getClassSchema(),
        PriorOutput.getClassSchema())) {
      collectNamedTypes(s, ours);
    }
    ClassSecurityValidator.ClassSecurityPredicate before = ClassSecurityValidator.getGlobal();
    ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(before, c -> ours.contains(c.getName())));
  }

  private static void collectNamedTypes(Schema schema, Set<String> names) {
    switch (schema.getType()) {
      case RECORD -> {
        if (names.add(schema.getFullName())) {
          schema.getFields().forEach(f -> collectNamedTypes(f.schema(), names));
        }
      }
      case ENUM, FIXED -> names.add(schema.getFullName());
      case ARRAY -> collectNamedTypes(schema.getElementType(), names);
      case MAP -> collectNamedTypes(schema.getValueType(), names);
      case UNION -> schema.getTypes().forEach(t -> collectNamedTypes(t, names));
      default -> { }
    }
  }

  private static String hexPrefix(byte[] value, int max) {
    int n = Math.min(value.length, max);
    String hex = HexFormat.ofDelimiter(" ").withUpperCase().formatHex(value, 0, n);
    return n < value.length ? hex + " ..." : hex;
  }

  /** One line describing a failure: exception type and message, newlines flattened. */
  private static String describe(Throwable t) {
    String message = t.getMessage();
    String text = message == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + message;
    return text.replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }

  /** Everything about one record type: its schema versions, encoder and per-version readers. */
  private static final class Channel<T extends SpecificRecordBase> {
    private final String name;
    private final Schema current;
    private final SpecificData model;
    private final BinaryMessageEncoder<T> encoder;
    private final SchemaStore.Cache store = new SchemaStore.Cache();
    private final Map<Long, SchemaVersion> versions = new ConcurrentHashMap<>();
    private final Map<Long, DatumReader<T>> readers = new ConcurrentHashMap<>();

    Channel(Class<T> type, Schema current, ClassLoader loader) {
      this.name = current.getName();
      this.current = current;
      // The generated class's own model: it carries the logical-type conversions (timestamps as Instant).
      this.model = SpecificData.getForClass(type);
      this.encoder = new BinaryMessageEncoder<>(model, current);
      checkPackagedCurrent(loader);
      int version = 1;
      for (; ; version++) {
        String path = RESOURCE_ROOT + "history/" + name + ".v" + version + ".avsc";
        Schema old = readResource(loader, path, new Schema.Parser());
        if (old == null) {
          break;
        }
        if (!old.getFullName().equals(current.getFullName())) {
          throw new IllegalStateException(path + " declares " + old.getFullName() + ", expected " + current.getFullName());
        }
        try {
          register(old, Origin.HISTORY, version, () -> path);
        } catch (IllegalArgumentException e) {
          throw new IllegalStateException(e.getMessage(), e);
        }
      }
      register(current, Origin.CURRENT, version, () -> "current schema");
    }

    /** The .avsc next to the history must be the one the classes were generated from. */
    private void checkPackagedCurrent(ClassLoader loader) {
      String path = RESOURCE_ROOT + name + ".avsc";
      // Current records refer to other records by name, as the build's <imports> do.
      Schema.Parser parser = new Schema.Parser().addTypes(List.of(Status.getClassSchema()));
      if (name.equals(PriorOutput.class.getSimpleName())) {
        parser.addTypes(List.of(ImageResult.getClassSchema(), DecoderOptions.getClassSchema()));
      }
      Schema packaged = readResource(loader, path, parser);
      if (packaged == null) {
        throw new IllegalStateException("schema resource " + path
            + " is missing from the classpath; was umbra-schemas repackaged without its resources?");
      }
      if (fingerprint(packaged) != fingerprint(current)) {
        throw new IllegalStateException("schema resource " + path + " (fingerprint " + fingerprintHex(packaged)
            + ") differs from the generated class " + name + " (" + fingerprintHex(current)
            + "): mixed versions of umbra-schemas on the classpath?");
      }
    }

    private static Schema readResource(ClassLoader loader, String path, Schema.Parser parser) {
      try (InputStream in = loader.getResourceAsStream(path)) {
        return in == null ? null : parser.parse(in);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read schema resource " + path, e);
      } catch (AvroRuntimeException e) {
        throw new IllegalStateException("schema resource " + path + " does not parse: " + describe(e), e);
      }
    }

    SchemaVersion register(Schema writer, Origin origin, int version, Supplier<String> source) {
      long fp = fingerprint(writer);
      SchemaVersion known = versions.get(fp);
      if (known != null) {
        return known;
      }
      var compatibility = SchemaCompatibility.checkReaderWriterCompatibility(current, writer).getResult();
      if (compatibility.getCompatibility() != SchemaCompatibilityType.COMPATIBLE) {
        String why = compatibility.getIncompatibilities().stream()
            .map(i -> i.getType() + " at " + i.getLocation() + " (" + i.getMessage() + ")")
            .collect(Collectors.joining("; "));
        throw new IllegalArgumentException(source.get() + " (" + name + ", fingerprint " + fingerprintHex(fp)
            + ") cannot be read by the current " + name + " schema: " + why);
      }
      SchemaVersion added = new SchemaVersion(name, version, origin, fp, writer);
      SchemaVersion raced = versions.putIfAbsent(fp, added);
      if (raced != null) {
        return raced;
      }
      store.addSchema(writer);
      return added;
    }

    Stream<SchemaVersion> versions() {
      return versions.values().stream()
          .sorted(Comparator.comparing((SchemaVersion v) -> v.origin() == Origin.REGISTERED)
              .thenComparingInt(SchemaVersion::version)
              .thenComparing(SchemaVersion::fingerprintHex));
    }

    byte[] encode(T datum) {
      Objects.requireNonNull(datum, () -> "cannot encode a null " + name);
      ByteArrayOutputStream out = new ByteArrayOutputStream(256);
      try {
        encoder.encode(datum, out);
      } catch (IOException e) {
        throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
      } catch (NullPointerException | ClassCastException | AvroRuntimeException e) {
        throw new IllegalArgumentException("cannot encode " + name + ": " + describe(e), e);
      }
      return out.toByteArray();
    }

    T decode(byte[] value, EventCodec codec) {
      if (value == null) {
        throw new EventDecodeException(Reason.EMPTY_VALUE, name + " value is null (a tombstone), not an event");
      }
      if (value.length == 0) {
        throw new EventDecodeException(Reason.EMPTY_VALUE, name + " value is empty (0 bytes), not an event");
      }
      if (value.length < 2 || value[0] != MARKER_0 || value[1] != MARKER_1) {
        throw new EventDecodeException(Reason.NOT_SINGLE_OBJECT_ENCODED, name
            + " value is not Avro single-object encoded: it starts " + hexPrefix(value, 8)
            + " instead of C3 01 (" + value.length + " bytes)");
      }
      if (value.length < HEADER_LENGTH) {
        throw new EventDecodeException(Reason.NOT_SINGLE_OBJECT_ENCODED, name + " value is " + value.length
            + " bytes, shorter than the " + HEADER_LENGTH + "-byte single-object header (C3 01 + 8-byte fingerprint): "
            + hexPrefix(value, HEADER_LENGTH));
      }
      long fp = ByteBuffer.wrap(value, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
      Schema writer = store.findByFingerprint(fp);
      if (writer == null) {
        throw new EventDecodeException(Reason.UNKNOWN_SCHEMA, unknownSchemaMessage(fp, codec));
      }
      SchemaVersion version = versions.get(fp);
      DatumReader<T> reader = readers.computeIfAbsent(fp, k -> model.createDatumReader(writer, current));
      // Array-backed: a declared length beyond the value's end fails before it is allocated.
      BinaryDecoder in = DecoderFactory.get().binaryDecoder(value, HEADER_LENGTH, value.length - HEADER_LENGTH, null);
      T datum;
      int left;
      try {
        datum = reader.read(null, in);
        left = in.isEnd() ? 0 : in.remainingBytes();
      } catch (SecurityException e) {
        throw e; // a class-trust misconfiguration, not a bad value: must not be dead-lettered
      } catch (IOException | RuntimeException e) {
        throw new EventDecodeException(Reason.UNDECODABLE, name + " value (" + value.length + " bytes, schema "
            + version.label() + ", fingerprint " + fingerprintHex(fp) + ") does not decode: " + describe(e), e);
      }
      if (left != 0) {
        throw new EventDecodeException(Reason.UNDECODABLE, name + " value (" + value.length + " bytes, schema "
            + version.label() + ", fingerprint " + fingerprintHex(fp) + ") has " + left
            + " bytes left over after the record");
      }
      return datum;
    }

    private String unknownSchemaMessage(long fp, EventCodec codec) {
      String known = versions().map(v -> v.fingerprintHex() + " (" + v.label() + ")").collect(Collectors.joining(", "));
      SchemaVersion other = codec.versionOfAnyType(fp);
      String hint = other == null ? "" : "; it is the fingerprint of " + other.label() + ": wrong topic?";
      return name + " value has unknown schema fingerprint " + fingerprintHex(fp) + hint + " (known " + name
          + " fingerprints: " + known + ")";
    }
  }
}
