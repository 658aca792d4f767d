package dev.umbra.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Surefire passes {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES}, and Avro reads it once per JVM, so
 * the path users of the jar take (no flag) is proven in a JVM of its own.
 */
class TrustWithoutFlagTest {

  @Test
  void theCodecDecodesGeneratedClassesInAJvmWithoutTheTrustFlag() throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder builder = new ProcessBuilder(List.of(java.toString(), "-Xmx64m", "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), NoFlagDecodeCheck.class.getName()))
        .redirectErrorStream(true);
    builder.environment().remove("JAVA_TOOL_OPTIONS"); // could carry the flag in
    builder.environment().remove("JDK_JAVA_OPTIONS");
    Process process = builder.start();
    boolean exited = process.waitFor(60, TimeUnit.SECONDS);
    if (!exited) {
      process.destroyForcibly();
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(exited, "the check did not finish in 60 s: " + output);
    assertEquals(0, process.exitValue(), output);
    assertTrue(output.contains("without EventCodec: Forbidden dev.umbra.schemas."), output);
    assertTrue(output.contains("OK: EventCodec decoded"), output);
  }
}
