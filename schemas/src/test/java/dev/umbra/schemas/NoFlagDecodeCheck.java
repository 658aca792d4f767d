package dev.umbra.schemas;

import java.nio.ByteBuffer;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * Run in a JVM started without {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES}: shows that Avro
 * refuses the generated classes there, and that {@link EventCodec} decodes them all the same.
 * Exit status 0 when both hold; otherwise the failure is printed and the status is 1.
 */
public final class NoFlagDecodeCheck {

  private NoFlagDecodeCheck() {
  }

  public static void main(String[] args) throws Exception {
    if (System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES") != null) {
      fail("the flag is set: this check proves nothing");
    }
    ByteBuffer value = Events.okResult().toByteBuffer();
    try {
      ImageResult.fromByteBuffer(value.duplicate());
      fail("Avro decoded a generated class without the flag: the trap this check guards against is gone");
    } catch (SecurityException expected) {
      System.out.println("without EventCodec: " + expected.getMessage().split("!")[0]);
    }
    EventCodec codec = new EventCodec(); // loading the class trusts the generated classes
    byte[] bytes = new byte[value.remaining()];
    value.duplicate().get(bytes);
    if (!Events.okResult().equals(codec.decodeImageResult(bytes))
        || !Events.fullRequest().equals(codec.decodePromptRequest(codec.encode(Events.fullRequest())))
        || !Events.deadLetter().equals(codec.decodeDeadLetter(codec.encode(Events.deadLetter())))) {
      fail("decoded records differ from the encoded ones");
    }
    if (ClassSecurityValidator.getGlobal().isTrusted(EventCodec.class)) {
      fail("EventCodec trusted more than the generated classes");
    }
    System.out.println("OK: EventCodec decoded PromptRequest, ImageResult and DeadLetter without the flag");
  }

  private static void fail(String why) {
    System.out.println("FAILED: " + why);
    System.exit(1);
  }
}
