package dev.umbra.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.schemas.EventDecodeException.Reason;
import dev.umbra.schemas.SchemaVersion.Origin;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/** Old writers read by the current reader, and current writers read by readers that only know an old schema. */
class SchemaEvolutionTest {

  private static final Path HISTORY_DIR = Path.of(System.getProperty("basedir", "."), "avro", "history");
  private static final Pattern HISTORY_NAME = Pattern.compile("([A-Za-z]+)\\.v([1-9][0-9]*)\\.avsc");

  private final EventCodec codec = new EventCodec();

  static Schema history(String fileName) {
    try (InputStream in = EventCodec.class.getClassLoader()
        .getResourceAsStream(EventCodec.RESOURCE_ROOT + "history/" + fileName)) {
      assertTrue(in != null, "missing from the classpath: " + fileName);
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** What a later release might send: the current PromptRequest plus an optional field. */
  static Schema promptRequestWithPriority() {
    Schema current = PromptRequest.getClassSchema();
    List<Schema.Field> fields = new ArrayList<>();
    current.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
    fields.add(new Schema.Field("priority", Schema.create(Schema.Type.INT), "Scheduling priority; higher first.", 0));
    return Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
  }

  private static byte[] encodeGeneric(Schema writer, GenericRecord record) throws IOException {
    ByteBuffer buffer = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), writer).encode(record);
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }

  @Test
  void oldPromptRequestWriterIsReadByTheCurrentClassWithDefaults() throws IOException {
    Schema v1 = history("PromptRequest.v1.avsc");
    GenericRecord old = new GenericRecordBuilder(v1)
        .set("request_id", "old-1").set("prompt", "a lighthouse at dusk").set("num_images", 2).set("seed", 7L)
        .set("model", null).set("created_at", Events.CREATED.toEpochMilli()).set("metadata", Map.of("tenant", "acme"))
        .build();
    PromptRequest read = codec.decodePromptRequest(encodeGeneric(v1, old));
    assertEquals("old-1", read.getRequestId());
    assertEquals("a lighthouse at dusk", read.getPrompt());
    assertEquals(2, read.getNumImages());
    assertEquals(7L, read.getSeed());
    assertEquals(Events.CREATED, read.getCreatedAt());
    assertEquals(Map.of("tenant", "acme"), read.getMetadata());
    // Fields v1 did not have take the current schema's defaults.
    assertNull(read.getNegativePrompt());
    assertNull(read.getDeadline());
    assertNull(read.getDecoderOptions());
  }

  @Test
  void oldImageResultWriterIsReadByTheCurrentClassWithDefaults() throws IOException {
    Schema v1 = history("ImageResult.v1.avsc");
    Schema imageV1 = v1.getField("images").schema().getElementType();
    Schema timingsV1 = v1.getField("timings").schema();
    Schema statusV1 = v1.getField("status").schema();
    GenericRecord image = new GenericRecordBuilder(imageV1).set("index", 0).set("seed", 42L)
        .set("image_embedding", List.of(0.5f, -1.25f, 3.0f)).set("text_image_alignment", 0.3f).build();
    GenericRecord timings = new GenericRecordBuilder(timingsV1).set("queue_wait_ms", 1.0).set("batch_wait_ms", 2.0)
        .set("tokenize_ms", 3.0).set("text_encode_ms", 4.0).set("prior_ms", 5.0).set("publish_ms", 6.0)
        .set("end_to_end_ms", 21.0).build();
    GenericRecord old = new GenericRecordBuilder(v1).set("request_id", "old-2")
        .set("status", new GenericData.EnumSymbol(statusV1, "OK")).set("images", List.of(image))
        .set("timings", timings).set("batch_id", "b-1").set("batch_size", 4).set("model", null)
        .set("worker_id", "worker-0").set("completed_at", Events.CREATED.toEpochMilli()).build();

    ImageResult read = codec.decodeImageResult(encodeGeneric(v1, old));
    assertEquals(Status.OK, read.getStatus());
    assertEquals(List.of(0.5f, -1.25f, 3.0f), read.getImages().get(0).getImageEmbedding());
    assertEquals(42L, read.getImages().get(0).getSeed());
    assertEquals(21.0, read.getTimings().getEndToEndMs());
    assertEquals(4, read.getBatchSize());
    // Added since v1: defaults.
    assertNull(read.getDiversity());
    assertNull(read.getImages().get(0).getImage());
    assertNull(read.getImages().get(0).getImageUri());
    assertNull(read.getImages().get(0).getImageFormat());
    assertEquals(0.0, read.getTimings().getDecodeMs());
  }

  @Test
  void currentPromptRequestIsReadByAReaderThatOnlyKnowsV1() throws IOException {
    Schema v1 = history("PromptRequest.v1.avsc");
    BinaryMessageDecoder<GenericRecord> oldReader = new BinaryMessageDecoder<>(GenericData.get(), v1, codec.schemaStore());
    PromptRequest current = Events.fullRequest();
    GenericRecord read = oldReader.decode(codec.encode(current));
    assertSame(v1, read.getSchema());
    assertEquals("req-0001", read.get("request_id").toString());
    assertEquals(current.getPrompt(), read.get("prompt").toString());
    assertEquals(3, read.get("num_images"));
    assertEquals(42L, read.get("seed"));
    assertEquals(Events.CREATED.toEpochMilli(), read.get("created_at"));
    assertEquals(current.getMetadata().size(), ((Map<?, ?>) read.get("metadata")).size());
    // The fields added since v1 were skipped, and the next fields still line up.
    assertNull(read.getSchema().getField("negative_prompt"));
    assertNull(read.getSchema().getField("decoder_options"));
    assertNull(read.getSchema().getField("deadline"));
  }

  @Test
  void currentImageResultIsReadByAV1ReaderAndExpiredBecomesFailed() throws IOException {
    Schema v1 = history("ImageResult.v1.avsc");
    assertTrue(!v1.getField("status").schema().getEnumSymbols().contains("EXPIRED"), "v1 predates EXPIRED");
    BinaryMessageDecoder<GenericRecord> oldReader = new BinaryMessageDecoder<>(GenericData.get(), v1, codec.schemaStore());

    ImageResult expired = ImageResult.newBuilder(Events.okResult()).setStatus(Status.EXPIRED)
        .setErrorCode("DEADLINE_EXCEEDED").build();
    GenericRecord read = oldReader.decode(codec.encode(expired));
    assertEquals("FAILED", read.get("status").toString()); // the enum's default, as Status.avsc promises
    assertEquals("DEADLINE_EXCEEDED", read.get("error_code").toString());

    GenericRecord ok = oldReader.decode(codec.encode(Events.okResult()));
    assertEquals("OK", ok.get("status").toString());
    GenericRecord image = (GenericRecord) ((List<?>) ok.get("images")).get(1);
    assertEquals(Events.okResult().getImages().get(1).getImageEmbedding(), image.get("image_embedding"));
    assertEquals(-0.02f, image.get("text_image_alignment"));
    assertNull(image.getSchema().getField("image_uri"));
    assertEquals(1312.5, ((GenericRecord) ok.get("timings")).get("end_to_end_ms"));
    assertEquals("worker-1", ok.get("worker_id").toString());
    assertEquals(Events.CREATED.plusMillis(1313).toEpochMilli(), ok.get("completed_at"));
  }

  @Test
  void aV2ImageResultIsReadByTheCurrentClassWithoutSizesAndWithThePriorBasis() throws IOException {
    Schema v2 = history("ImageResult.v2.avsc");
    BinaryMessageDecoder<GenericRecord> v2Reader = new BinaryMessageDecoder<>(GenericData.get(), v2, codec.schemaStore());
    // A v2 writer's record: the current one as v2 saw it (what a v2 reader reads is what a v2 writer wrote).
    GenericRecord written = v2Reader.decode(codec.encode(Events.okResult()));
    ImageResult read = codec.decodeImageResult(encodeGeneric(v2, written));
    assertEquals(Status.OK, read.getStatus());
    assertEquals(Events.okResult().getImages().get(0).getImageEmbedding(), read.getImages().get(0).getImageEmbedding());
    assertEquals("png", read.getImages().get(0).getImageFormat());
    assertEquals(0.4, read.getDiversity().getMeanPairwiseCosineDistance());
    // Added in v3: defaults.
    assertNull(read.getImages().get(0).getWidth());
    assertNull(read.getImages().get(1).getHeight());
    assertEquals("prior_image_embeddings", read.getDiversity().getBasis());
  }

  @Test
  void currentImageResultIsReadByAV2ReaderThatSkipsSizesAndBasis() throws IOException {
    Schema v2 = history("ImageResult.v2.avsc");
    BinaryMessageDecoder<GenericRecord> v2Reader = new BinaryMessageDecoder<>(GenericData.get(), v2, codec.schemaStore());
    GenericRecord read = v2Reader.decode(codec.encode(Events.okResult()));
    GenericRecord image = (GenericRecord) ((List<?>) read.get("images")).get(1);
    assertNull(image.getSchema().getField("width"));
    assertEquals("s3://bucket/req-0001/1.png", image.get("image_uri").toString());
    assertEquals(-0.02f, image.get("text_image_alignment"));
    GenericRecord diversity = (GenericRecord) read.get("diversity");
    assertNull(diversity.getSchema().getField("basis"));
    assertEquals(1.7, diversity.get("vendi_score"));
    // the fields after the diversity still line up
    assertEquals("worker-1", read.get("worker_id").toString());
    assertEquals("acme", ((Map<?, ?>) read.get("metadata")).values().iterator().next().toString());
  }

  @Test
  void aV2PromptRequestHasNoReplyTopicAndAV2ReaderSkipsIt() throws IOException {
    Schema v2 = history("PromptRequest.v2.avsc");
    BinaryMessageDecoder<GenericRecord> v2Reader = new BinaryMessageDecoder<>(GenericData.get(), v2, codec.schemaStore());
    GenericRecord seenByV2 = v2Reader.decode(codec.encode(Events.fullRequest()));
    assertNull(seenByV2.getSchema().getField("reply_topic"));
    assertEquals("req-0001", seenByV2.get("request_id").toString());
    assertEquals(768, ((GenericRecord) seenByV2.get("decoder_options")).get("width"));
    // What a v2 writer wrote reads with the reply fields at their defaults: the answer goes to the results topic.
    PromptRequest read = codec.decodePromptRequest(encodeGeneric(v2, seenByV2));
    assertNull(read.getReplyTopic());
    assertNull(read.getReplyPartition());
    assertEquals("jpeg", read.getDecoderOptions().getOutputFormat());
    PromptRequest current = codec.decodePromptRequest(codec.encode(Events.fullRequest()));
    assertEquals("umbra.replies.client-7", current.getReplyTopic());
    assertEquals(3, current.getReplyPartition());
  }

  @Test
  void aV1PriorOutputHasNoReplyTopicAndAV1ReaderSkipsIt() throws IOException {
    Schema v1 = history("PriorOutput.v1.avsc");
    BinaryMessageDecoder<GenericRecord> v1Reader = new BinaryMessageDecoder<>(GenericData.get(), v1, codec.schemaStore());
    GenericRecord seenByV1 = v1Reader.decode(codec.encode(Events.priorOutput()));
    assertNull(seenByV1.getSchema().getField("reply_topic"));
    PriorOutput read = codec.decodePriorOutput(encodeGeneric(v1, seenByV1));
    assertNull(read.getReplyTopic());
    assertEquals(Events.priorOutput().getNegativeEmbeddings(), read.getNegativeEmbeddings());
    assertEquals("umbra.replies.client-7", codec.decodePriorOutput(codec.encode(Events.priorOutput())).getReplyTopic());
  }

  @Test
  void everyHistoryVersionAndTheCurrentOneReadEachOther() throws IOException {
    Map<String, Schema> current = Map.of("PromptRequest", PromptRequest.getClassSchema(),
        "ImageResult", ImageResult.getClassSchema(), "DeadLetter", DeadLetter.getClassSchema(),
        "PriorOutput", PriorOutput.getClassSchema());
    List<Path> files = historyFiles();
    assertTrue(files.size() >= 2, "expected history for PromptRequest and ImageResult: " + files);
    for (Path file : files) {
      var m = HISTORY_NAME.matcher(file.getFileName().toString());
      assertTrue(m.matches(), "history file names are <Record>.v<N>.avsc: " + file);
      Schema old = new Schema.Parser().parse(file.toFile());
      Schema now = current.get(m.group(1));
      assertEquals(now.getFullName(), old.getFullName(), file.toString());
      assertNotEquals(EventCodec.fingerprint(now), EventCodec.fingerprint(old), file + " is the current schema again");
      assertEquals(SchemaCompatibilityType.COMPATIBLE,
          SchemaCompatibility.checkReaderWriterCompatibility(now, old).getType(), "current reads " + file);
      assertEquals(SchemaCompatibilityType.COMPATIBLE,
          SchemaCompatibility.checkReaderWriterCompatibility(old, now).getType(), file + " reads current");
    }
  }

  @Test
  void theCodecLoadsEveryHistoryFileAndTheCurrentSchemas() throws IOException {
    Set<String> onDisk = historyFiles().stream().map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    Set<String> loaded = codec.schemaVersions().stream().filter(v -> v.origin() == Origin.HISTORY)
        .map(v -> v.recordName() + ".v" + v.version() + ".avsc").collect(Collectors.toSet());
    assertEquals(onDisk, loaded, "a history file the codec does not load (a gap in the v<N> numbering?)");
    for (Path file : historyFiles()) {
      long fp = EventCodec.fingerprint(new Schema.Parser().parse(file.toFile()));
      assertTrue(codec.schemaVersions().stream().anyMatch(v -> v.fingerprint() == fp), file + " fingerprint");
    }
    Map<String, Long> currents = codec.schemaVersions().stream().filter(v -> v.origin() == Origin.CURRENT)
        .collect(Collectors.toMap(SchemaVersion::recordName, SchemaVersion::fingerprint));
    assertEquals(Map.of("PromptRequest", EventCodec.fingerprint(PromptRequest.getClassSchema()),
        "ImageResult", EventCodec.fingerprint(ImageResult.getClassSchema()),
        "DeadLetter", EventCodec.fingerprint(DeadLetter.getClassSchema()),
        "PriorOutput", EventCodec.fingerprint(PriorOutput.getClassSchema())), currents);
  }

  @Test
  void aNewerSchemaIsUnknownUntilRegisteredThenItsExtraFieldIsSkipped() throws IOException {
    Schema newer = promptRequestWithPriority();
    GenericRecordBuilder builder = new GenericRecordBuilder(newer).set("request_id", "new-1").set("prompt", "a fox")
        .set("created_at", Events.CREATED.toEpochMilli()).set("priority", 9);
    byte[] value = encodeGeneric(newer, builder.build());

    EventDecodeException unknown = assertThrows(EventDecodeException.class, () -> codec.decodePromptRequest(value));
    assertEquals(Reason.UNKNOWN_SCHEMA, unknown.reason());
    assertTrue(unknown.getMessage().contains(EventCodec.fingerprintHex(newer)), unknown.getMessage());

    SchemaVersion registered = codec.registerSchema(newer);
    assertEquals(Origin.REGISTERED, registered.origin());
    assertEquals(EventCodec.fingerprint(newer), registered.fingerprint());
    assertSame(registered, codec.registerSchema(newer), "registering again is a no-op");
    PromptRequest read = codec.decodePromptRequest(value);
    assertEquals("new-1", read.getRequestId());
    assertEquals("a fox", read.getPrompt());
    assertEquals(1, read.getNumImages());
    assertTrue(codec.schemaVersions().contains(registered));
  }

  @Test
  void registeringASchemaTheCurrentOneCannotReadIsRefusedWithTheField() {
    Schema current = PromptRequest.getClassSchema();
    List<Schema.Field> fields = new ArrayList<>();
    current.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
    fields.removeIf(f -> f.name().equals("prompt")); // the current reader needs prompt and has no default for it
    Schema withoutPrompt = Schema.createRecord(current.getName(), null, current.getNamespace(), false, fields);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> codec.registerSchema(withoutPrompt));
    assertTrue(e.getMessage().contains("prompt"), e.getMessage());
    assertTrue(e.getMessage().contains(EventCodec.fingerprintHex(withoutPrompt)), e.getMessage());

    Schema stranger = Schema.createRecord("Stranger", null, "dev.umbra.schemas", false, List.of());
    IllegalArgumentException notOurs = assertThrows(IllegalArgumentException.class, () -> codec.registerSchema(stranger));
    assertTrue(notOurs.getMessage().contains("dev.umbra.schemas.Stranger"), notOurs.getMessage());
  }

  @Test
  void missingOrMisplacedPackagedSchemasStopTheCodecAtConstruction() {
    ClassLoader empty = new ClassLoader(null) {
    };
    IllegalStateException missing = assertThrows(IllegalStateException.class, () -> new EventCodec(empty));
    assertTrue(missing.getMessage().contains("umbra/schemas/PromptRequest.avsc"), missing.getMessage());

    // A history file of the wrong record type is a packaging bug, caught before any value is decoded.
    ClassLoader badHistory = new ClassLoader(EventCodec.class.getClassLoader()) {
      @Override
      public URL getResource(String name) {
        return name.equals(EventCodec.RESOURCE_ROOT + "history/DeadLetter.v1.avsc")
            ? super.getResource(EventCodec.RESOURCE_ROOT + "history/PromptRequest.v1.avsc")
            : super.getResource(name);
      }
    };
    IllegalStateException wrongName = assertThrows(IllegalStateException.class, () -> new EventCodec(badHistory));
    assertTrue(wrongName.getMessage().contains("history/DeadLetter.v1.avsc declares dev.umbra.schemas.PromptRequest"),
        wrongName.getMessage());
  }

  private static List<Path> historyFiles() throws IOException {
    try (Stream<Path> files = Files.list(HISTORY_DIR)) {
      return files.sorted().toList();
    }
  }
}
