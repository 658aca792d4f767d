package dev.umbra.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

class EventCodecRoundTripTest {

  private final EventCodec codec = new EventCodec();

  @Test
  void promptRequestWithEveryFieldSetRoundTrips() {
    PromptRequest request = Events.fullRequest();
    PromptRequest back = codec.decodePromptRequest(codec.encode(request));
    assertEquals(request, back);
    assertEquals(Events.CREATED.plusMillis(30_000), back.getDeadline());
    assertEquals("größe ✓ 画像", back.getMetadata().get("unicode"));
    assertEquals(4.5f, back.getDecoderOptions().getGuidanceScale());
  }

  @Test
  void promptRequestWithOptionalFieldsNullRoundTrips() {
    PromptRequest request = Events.minimalRequest();
    PromptRequest back = codec.decodePromptRequest(codec.encode(request));
    assertEquals(request, back);
    assertNull(back.getNegativePrompt());
    assertNull(back.getSeed());
    assertNull(back.getDeadline());
    assertNull(back.getDecoderOptions());
    assertEquals(1, back.getNumImages());
    assertTrue(back.getMetadata().isEmpty());
  }

  @Test
  void imageResultWithImagesAndEmbeddingsRoundTrips() {
    ImageResult result = Events.okResult();
    ImageResult back = codec.decodeImageResult(codec.encode(result));
    assertEquals(result, back);
    assertEquals(1280, back.getImages().get(0).getImageEmbedding().size());
    assertEquals(result.getImages().get(1).getImageEmbedding(), back.getImages().get(1).getImageEmbedding());
    assertEquals(Float.MIN_VALUE, back.getImages().get(0).getImageEmbedding().get(0));
    assertEquals(ByteBuffer.wrap(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2}), back.getImages().get(0).getImage());
    assertNull(back.getImages().get(1).getImage());
    assertEquals("clip-vit-bigG", back.getModel().getCheckpoints().get(1).getName());
  }

  @Test
  void rejectedImageResultWithNullsRoundTrips() {
    ImageResult result = Events.rejectedResult();
    ImageResult back = codec.decodeImageResult(codec.encode(result));
    assertEquals(result, back);
    assertEquals(Status.REJECTED, back.getStatus());
    assertTrue(back.getImages().isEmpty());
    assertNull(back.getDiversity());
    assertNull(back.getModel());
    assertEquals(0.0, back.getTimings().getDecodeMs());
  }

  @Test
  void deadLettersRoundTrip() {
    for (DeadLetter letter : List.of(Events.deadLetter(), Events.tombstoneDeadLetter())) {
      assertEquals(letter, codec.decodeDeadLetter(codec.encode(letter)));
    }
  }

  @Test
  void priorOutputsRoundTrip() {
    PriorOutput output = Events.priorOutput();
    PriorOutput back = codec.decodePriorOutput(codec.encode(output));
    assertEquals(output, back);
    assertEquals(2, back.getNegativeEmbeddings().size());
    assertEquals(25, back.getDecoderOptions().getNumInferenceSteps());
    PriorOutput bare = PriorOutput.newBuilder(output).setNegativeEmbeddings(List.of()).setDecoderOptions(null).build();
    assertEquals(bare, codec.decodePriorOutput(codec.encode(bare)));
  }

  @Test
  void aPriorOutputIsNotAnImageResult() {
    EventDecodeException e = assertThrows(EventDecodeException.class,
        () -> codec.decodeImageResult(codec.encode(Events.priorOutput())));
    assertTrue(e.getMessage().contains("PriorOutput v2 (current): wrong topic?"), e.getMessage());
  }

  @Test
  void everyStatusSymbolRoundTrips() {
    for (Status status : Status.values()) {
      ImageResult result = ImageResult.newBuilder(Events.rejectedResult()).setStatus(status).build();
      assertEquals(status, codec.decodeImageResult(codec.encode(result)).getStatus());
    }
  }

  @Test
  void framingIsHeaderThenFingerprintLittleEndianThenAvroBinary() throws Exception {
    byte[] value = codec.encode(Events.fullRequest());
    assertEquals((byte) 0xC3, value[0]);
    assertEquals((byte) 0x01, value[1]);
    String fingerprintHex = HexFormat.of().formatHex(value, 2, 10);
    assertEquals(EventCodec.fingerprintHex(PromptRequest.getClassSchema()), fingerprintHex);
    long littleEndian = ByteBuffer.wrap(value, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(EventCodec.fingerprint(PromptRequest.getClassSchema()), littleEndian);
    // The body is plain Avro binary of the current schema, as the generated class's raw encoder writes it.
    byte[] body = Arrays.copyOfRange(value, EventCodec.HEADER_LENGTH, value.length);
    var raw = new org.apache.avro.message.RawMessageEncoder<PromptRequest>(
        org.apache.avro.specific.SpecificData.getForClass(PromptRequest.class), PromptRequest.getClassSchema());
    assertArrayEquals(toArray(raw.encode(Events.fullRequest())), body);
  }

  @Test
  void bytesMatchAvrosOwnSingleObjectCodecBothWays() throws Exception {
    PromptRequest request = Events.fullRequest();
    byte[] ours = codec.encode(request);
    assertArrayEquals(toArray(request.toByteBuffer()), ours);
    assertEquals(request, PromptRequest.fromByteBuffer(ByteBuffer.wrap(ours)));
    ImageResult result = Events.okResult();
    assertEquals(result, codec.decodeImageResult(toArray(result.toByteBuffer())));
    assertEquals(result, ImageResult.createDecoder(codec.schemaStore()).decode(codec.encode(result)));
  }

  @Test
  void fingerprintHexIsTheWireOrderOfTheLongFingerprint() {
    // Spec test vector: the fingerprint of the "null" schema is 0x63dd24e7cc258f8a (as an unsigned long).
    Schema nullSchema = Schema.create(Schema.Type.NULL);
    assertEquals(0x63dd24e7cc258f8aL, EventCodec.fingerprint(nullSchema));
    assertEquals("8a8f25cce724dd63", EventCodec.fingerprintHex(nullSchema));
    // Docs and defaults are outside the canonical form, so they do not move a fingerprint.
    Schema documented = SchemaBuilder.record("R").namespace("x").doc("a doc").fields()
        .name("f").doc("field doc").type().intType().intDefault(7).endRecord();
    Schema bare = SchemaBuilder.record("R").namespace("x").fields().requiredInt("f").endRecord();
    assertEquals(EventCodec.fingerprint(bare), EventCodec.fingerprint(documented));
  }

  @Test
  void encodingARecordWithANullRequiredFieldNamesTheField() {
    PromptRequest broken = Events.minimalRequest();
    broken.setPrompt(null); // the builder would refuse; a mutable record lets it through
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> codec.encode(broken));
    assertTrue(e.getMessage().startsWith("cannot encode PromptRequest: "), e.getMessage());
    assertTrue(e.getMessage().contains("prompt"), e.getMessage());
  }

  @Test
  void oneInstanceServesManyThreadsWhileASchemaIsRegistered() throws Exception {
    byte[] full = codec.encode(Events.fullRequest());
    byte[] minimal = codec.encode(Events.minimalRequest());
    byte[] result = codec.encode(Events.okResult());
    Schema newer = SchemaEvolutionTest.promptRequestWithPriority();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Callable<Integer>> tasks = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int id = t;
        tasks.add(() -> {
          int checked = 0;
          for (int i = 0; i < 300; i++) {
            if (id == 0 && i == 150) {
              codec.registerSchema(newer);
            }
            assertEquals(Events.fullRequest(), codec.decodePromptRequest(full));
            assertEquals(Events.minimalRequest(), codec.decodePromptRequest(minimal));
            assertEquals(Events.okResult(), codec.decodeImageResult(result));
            assertArrayEquals(full, codec.encode(Events.fullRequest()));
            checked++;
          }
          return checked;
        });
      }
      for (Future<Integer> f : pool.invokeAll(tasks)) {
        assertEquals(300, f.get());
      }
    } finally {
      pool.shutdown();
      assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }
  }

  private static byte[] toArray(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }
}
