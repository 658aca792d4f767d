package dev.umbra.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.umbra.schemas.SchemaVersion.Origin;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * The README's fingerprint table and field tables are generated from the schemas and checked here,
 * so they cannot go stale. When a schema changes, the failure shows the new block; or run this test
 * with {@code -Dumbra.readme.write=true} to rewrite the blocks in place.
 */
class ReadmeTest {

  private static final Path README = Path.of(System.getProperty("basedir", "."), "README.md");
  private static final boolean WRITE = Boolean.getBoolean("umbra.readme.write");

  @Test
  void fingerprintTableListsEveryShippedVersion() throws IOException {
    checkBlock("fingerprints", fingerprintTable(new EventCodec()));
  }

  @Test
  void fieldTablesMatchTheCurrentSchemas() throws IOException {
    checkBlock("fields", fieldTables());
  }

  @Test
  void fingerprintTableHasTheExpectedShape() throws IOException {
    // Independent of the generator: each current fingerprint appears on its record's "(current)" row.
    assumeFalse(WRITE, "the blocks are being rewritten");
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    for (Schema schema : List.of(PromptRequest.getClassSchema(), ImageResult.getClassSchema(), DeadLetter.getClassSchema(),
        PriorOutput.getClassSchema())) {
      String hex = EventCodec.fingerprintHex(schema);
      assertTrue(readme.lines().anyMatch(l -> l.startsWith("| " + schema.getName() + " |") && l.contains("(current)")
          && l.contains("`" + hex + "`")), schema.getName() + " current fingerprint " + hex + " not in README");
    }
  }

  @Test
  void everyFingerprintQuotedInTheExamplesIsAShippedVersion() throws IOException {
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    Set<String> known = new EventCodec().schemaVersions().stream().map(SchemaVersion::fingerprintHex)
        .collect(Collectors.toSet());
    Matcher quoted = Pattern.compile("fromhex\\(\"([0-9a-f]*)\"\\)").matcher(readme);
    int count = 0;
    while (quoted.find()) {
      assertTrue(known.contains(quoted.group(1)), "README example quotes fingerprint " + quoted.group(1)
          + ", which is not a shipped version: " + known);
      count++;
    }
    assertTrue(count >= 3, "expected the Python example's fingerprints, found " + count);
  }

  static String fingerprintTable(EventCodec codec) {
    StringBuilder out = new StringBuilder();
    out.append("| Record | Version | Fingerprint: the 8 bytes after `C3 01`, hex | Same as an unsigned 64-bit number |\n");
    out.append("|---|---|---|---|\n");
    for (SchemaVersion v : codec.schemaVersions()) {
      if (v.origin() == Origin.REGISTERED) {
        continue;
      }
      String where = v.origin() == Origin.CURRENT ? "v" + v.version() + " (current), `avro/" + v.recordName() + ".avsc`"
          : "v" + v.version() + ", `avro/history/" + v.recordName() + ".v" + v.version() + ".avsc`";
      out.append(String.format("| %s | %s | `%s` | `0x%016x` |%n", v.recordName(), where, v.fingerprintHex(), v.fingerprint()));
    }
    return out.toString();
  }

  static String fieldTables() {
    Set<Schema> named = new LinkedHashSet<>();
    for (Schema s : List.of(PromptRequest.getClassSchema(), ImageResult.getClassSchema(), DeadLetter.getClassSchema(),
        PriorOutput.getClassSchema())) {
      collect(s, named);
    }
    StringBuilder out = new StringBuilder();
    for (Schema s : named) {
      out.append("### ").append(s.getName()).append("\n\n").append(cell(s.getDoc())).append("\n\n");
      if (s.getType() == Schema.Type.ENUM) {
        out.append("Symbols: ").append(s.getEnumSymbols().stream().map(x -> "`" + x + "`").collect(Collectors.joining(", ")))
            .append("; default for readers that do not know a symbol: `").append(s.getEnumDefault()).append("`.\n\n");
        continue;
      }
      out.append("| Field | Type | Default | Meaning |\n|---|---|---|---|\n");
      for (Schema.Field f : s.getFields()) {
        out.append("| `").append(f.name()).append("` | ").append(type(f.schema())).append(" | ")
            .append(f.hasDefaultValue() ? "`" + json(f.defaultVal()) + "`" : "required").append(" | ")
            .append(cell(f.doc())).append(" |\n");
      }
      out.append("\n");
    }
    return out.toString();
  }

  private static void collect(Schema s, Set<Schema> named) {
    switch (s.getType()) {
      case RECORD -> {
        if (named.add(s)) {
          s.getFields().forEach(f -> collect(f.schema(), named));
        }
      }
      case ENUM -> named.add(s);
      case ARRAY -> collect(s.getElementType(), named);
      case MAP -> collect(s.getValueType(), named);
      case UNION -> s.getTypes().forEach(t -> collect(t, named));
      default -> { }
    }
  }

  private static String type(Schema s) {
    String logical = s.getLogicalType() == null ? "" : " (" + s.getLogicalType().getName() + ")";
    return switch (s.getType()) {
      case RECORD, ENUM, FIXED -> "[" + s.getName() + "](#" + s.getName().toLowerCase() + ")";
      case ARRAY -> "array of " + type(s.getElementType());
      case MAP -> "map of string to " + type(s.getValueType());
      case UNION -> s.getTypes().stream().map(ReadmeTest::type).collect(Collectors.joining(" or "));
      default -> s.getType().getName() + logical;
    };
  }

  private static String json(Object value) {
    if (value == null || value == JsonProperties.NULL_VALUE) {
      return "null";
    }
    if (value instanceof Map<?, ?> m && m.isEmpty()) {
      return "{}";
    }
    if (value instanceof List<?> l && l.isEmpty()) {
      return "[]";
    }
    if (value instanceof CharSequence) {
      return "\"" + value + "\"";
    }
    return String.valueOf(value);
  }

  private static String cell(String text) {
    return text == null ? "" : text.replace("|", "\\|").replaceAll("\\s*\\n\\s*", " ");
  }

  private static void checkBlock(String name, String expected) throws IOException {
    String begin = "<!-- BEGIN GENERATED " + name + " (ReadmeTest) -->\n";
    String end = "<!-- END GENERATED " + name + " -->";
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    int from = readme.indexOf(begin);
    int to = readme.indexOf(end);
    assertTrue(from >= 0 && to > from, "README.md lacks the markers " + begin.strip() + " ... " + end);
    String actual = readme.substring(from + begin.length(), to);
    if (WRITE && !actual.equals(expected)) {
      Files.writeString(README, readme.substring(0, from + begin.length()) + expected + readme.substring(to),
          StandardCharsets.UTF_8);
      return;
    }
    assertEquals(expected, actual, "README.md block '" + name + "' is stale; replace it with the expected text "
        + "(or run ReadmeTest with -Dumbra.readme.write=true)");
  }
}
