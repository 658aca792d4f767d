package dev.umbra.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.umbra.schemas.EventDecodeException.Reason;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Every way a value can fail to decode ends as one EventDecodeException with the right reason. */
class EventDecodeErrorTest {

  private final EventCodec codec = new EventCodec();

  private EventDecodeException failure(byte[] value) {
    return failure(value, codec::decodePromptRequest);
  }

  private static EventDecodeException failure(byte[] value, Function<byte[], ?> decode) {
    EventDecodeException e = assertThrows(EventDecodeException.class, () -> decode.apply(value));
    assertFalse(e.getMessage().isBlank());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    return e;
  }

  private static byte[] header(long fingerprint) {
    return ByteBuffer.allocate(EventCodec.HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN)
        .put((byte) 0xC3).put((byte) 0x01).putLong(fingerprint).array();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void nullAndEmptyValuesAreEmptyValue() {
    EventDecodeException tombstone = failure(null);
    assertEquals(Reason.EMPTY_VALUE, tombstone.reason());
    assertTrue(tombstone.getMessage().contains("null"), tombstone.getMessage());
    EventDecodeException empty = failure(new byte[0], codec::decodeImageResult);
    assertEquals(Reason.EMPTY_VALUE, empty.reason());
    assertTrue(empty.getMessage().startsWith("ImageResult value is empty (0 bytes)"), empty.getMessage());
  }

  @Test
  void randomBytesAreNotSingleObjectEncoded() {
    byte[] random = new byte[64];
    new Random(7).nextBytes(random);
    random[0] = 0x12;
    EventDecodeException e = failure(random);
    assertEquals(Reason.NOT_SINGLE_OBJECT_ENCODED, e.reason());
    assertTrue(e.getMessage().contains(HexFormat.ofDelimiter(" ").withUpperCase().formatHex(random, 0, 8)), e.getMessage());
    assertTrue(e.getMessage().contains("64 bytes"), e.getMessage());
  }

  @Test
  void jsonIsNotSingleObjectEncodedAndTheMessageShowsItsFirstBytes() {
    byte[] json = "{\"request_id\":\"r\",\"prompt\":\"a cat\"}".getBytes(StandardCharsets.UTF_8);
    EventDecodeException e = failure(json);
    assertEquals(Reason.NOT_SINGLE_OBJECT_ENCODED, e.reason());
    assertTrue(e.getMessage().contains("it starts 7B 22 72 65"), e.getMessage());
  }

  @Test
  void aHeaderWithoutItsFullFingerprintIsNotSingleObjectEncoded() {
    for (byte[] value : new byte[][] {{(byte) 0xC3}, {(byte) 0xC3, 0x01}, {(byte) 0xC3, 0x01, 1, 2, 3, 4, 5, 6, 7}}) {
      EventDecodeException e = failure(value);
      assertEquals(Reason.NOT_SINGLE_OBJECT_ENCODED, e.reason(), e.getMessage());
    }
    assertTrue(failure(new byte[] {(byte) 0xC3, 0x01, 1}).getMessage().contains("3 bytes, shorter than the 10-byte"));
  }

  @Test
  void anUnknownFingerprintIsUnknownSchemaWithTheFingerprintInHex() {
    long unknown = 0x0123456789ABCDEFL;
    byte[] body = Arrays.copyOfRange(codec.encode(Events.minimalRequest()), EventCodec.HEADER_LENGTH, 40);
    EventDecodeException e = failure(concat(header(unknown), body));
    assertEquals(Reason.UNKNOWN_SCHEMA, e.reason());
    assertTrue(e.getMessage().contains("unknown schema fingerprint efcdab8967452301"), e.getMessage());
    // The message lists what is known, so an operator can see which release is missing.
    assertTrue(e.getMessage().contains(EventCodec.fingerprintHex(PromptRequest.getClassSchema())), e.getMessage());
  }

  @Test
  void aRecordOfAnotherEventTypeIsUnknownSchemaAndSaysWhichTypeItIs() {
    EventDecodeException e = failure(codec.encode(Events.deadLetter()));
    assertEquals(Reason.UNKNOWN_SCHEMA, e.reason());
    assertTrue(e.getMessage().contains("it is the fingerprint of DeadLetter v1 (current): wrong topic?"), e.getMessage());
  }

  @Test
  void aValidHeaderWithAGarbageBodyIsUndecodable() {
    long fp = EventCodec.fingerprint(PromptRequest.getClassSchema());
    // A negative string length for request_id.
    EventDecodeException negative = failure(concat(header(fp), new byte[] {0x01, 'a', 'b'}));
    assertEquals(Reason.UNDECODABLE, negative.reason());
    assertTrue(negative.getMessage().contains("PromptRequest v3 (current)"), negative.getMessage());
    assertTrue(negative.getMessage().contains("does not decode"), negative.getMessage());

    Random random = new Random(11);
    for (int i = 0; i < 200; i++) {
      byte[] garbage = new byte[1 + random.nextInt(60)];
      random.nextBytes(garbage);
      EventDecodeException e = failure(concat(header(fp), garbage), codec::decodeImageResult);
      assertEquals(Reason.UNKNOWN_SCHEMA, e.reason(), "a PromptRequest fingerprint is not an ImageResult");
      assertEquals(Reason.UNDECODABLE, failure(concat(header(fp), garbage)).reason(), () -> HexFormat.of().formatHex(garbage));
    }
  }

  @Test
  void aTruncatedBodyIsUndecodable() {
    byte[] whole = codec.encode(Events.okResult());
    for (int cut : new int[] {EventCodec.HEADER_LENGTH, EventCodec.HEADER_LENGTH + 1, whole.length / 2, whole.length - 1}) {
      EventDecodeException e = failure(Arrays.copyOf(whole, cut), codec::decodeImageResult);
      assertEquals(Reason.UNDECODABLE, e.reason(), "cut at " + cut + ": " + e.getMessage());
      assertTrue(e.getMessage().contains("(" + cut + " bytes, schema ImageResult v3 (current)"), e.getMessage());
    }
  }

  @Test
  void bytesLeftOverAfterTheRecordAreUndecodable() {
    byte[] value = concat(codec.encode(Events.minimalRequest()), new byte[] {0, 0, 0});
    EventDecodeException e = failure(value);
    assertEquals(Reason.UNDECODABLE, e.reason());
    assertTrue(e.getMessage().contains("has 3 bytes left over after the record"), e.getMessage());
  }

  @Test
  void aHugeDeclaredLengthFailsWithoutAllocatingIt() {
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
    // 17 bytes claiming a 1.5 GB request_id: Avro's stream-based BinaryMessageDecoder allocates it before reading.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(header(EventCodec.fingerprint(PromptRequest.getClassSchema())));
    long zigzag = 1_500_000_000L << 1;
    while ((zigzag & ~0x7FL) != 0) {
      out.write((int) ((zigzag & 0x7F) | 0x80));
      zigzag >>>= 7;
    }
    out.write((int) zigzag);
    out.write('a');
    byte[] hostile = out.toByteArray();
    codec.decodePromptRequest(codec.encode(Events.minimalRequest())); // warm up the reader for this fingerprint

    long threadId = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(threadId);
    EventDecodeException e = failure(hostile);
    long allocated = threads.getThreadAllocatedBytes(threadId) - before;
    assertEquals(Reason.UNDECODABLE, e.reason());
    assertTrue(e.getMessage().contains("1500000000"), e.getMessage());
    assertTrue(allocated < 16L << 20, "decoding a 17-byte value allocated " + allocated + " bytes");
  }

  @Test
  void theReasonsAreTheErrorCodesTheDeadLetterSchemaDocuments() {
    String doc = DeadLetter.getClassSchema().getField("error_code").doc();
    for (Reason reason : Reason.values()) {
      assertTrue(doc.contains(reason.name() + " ("), reason + " is not documented in DeadLetter.error_code: " + doc);
    }
  }
}
