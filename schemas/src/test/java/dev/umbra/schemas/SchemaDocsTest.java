package dev.umbra.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** Keeps the schemas self-explanatory: they are the contract non-Java clients read. */
class SchemaDocsTest {

  @Test
  void everyFieldAndNamedTypeOfEveryShippedSchemaHasADoc() {
    List<String> undocumented = new ArrayList<>();
    int fields = 0;
    for (SchemaVersion version : new EventCodec().schemaVersions()) {
      fields += walk(version.schema(), version.label(), new HashSet<>(), undocumented);
    }
    assertTrue(fields > 60, "walked only " + fields + " fields");
    assertEquals(List.of(), undocumented, "fields and types without a doc");
  }

  private static int walk(Schema schema, String where, Set<String> seen, List<String> undocumented) {
    int fields = 0;
    switch (schema.getType()) {
      case RECORD -> {
        if (!seen.add(schema.getFullName())) {
          return 0;
        }
        check(schema.getDoc(), where + ": record " + schema.getName(), undocumented);
        for (Schema.Field field : schema.getFields()) {
          fields++;
          check(field.doc(), where + ": " + schema.getName() + "." + field.name(), undocumented);
          fields += walk(field.schema(), where, seen, undocumented);
        }
      }
      case ENUM, FIXED -> {
        if (seen.add(schema.getFullName())) {
          check(schema.getDoc(), where + ": " + schema.getType() + " " + schema.getName(), undocumented);
        }
      }
      case ARRAY -> fields += walk(schema.getElementType(), where, seen, undocumented);
      case MAP -> fields += walk(schema.getValueType(), where, seen, undocumented);
      case UNION -> {
        for (Schema branch : schema.getTypes()) {
          fields += walk(branch, where, seen, undocumented);
        }
      }
      default -> { }
    }
    return fields;
  }

  private static void check(String doc, String what, List<String> undocumented) {
    if (doc == null || doc.isBlank()) {
      undocumented.add(what);
    }
  }
}
