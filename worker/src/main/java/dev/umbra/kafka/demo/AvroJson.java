package dev.umbra.kafka.demo;

import dev.umbra.io.Bytes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;

/**
 * Any Avro record as plain JSON, every field included, walked by its schema so that new fields show up without code
 * changes. Unlike Avro's own JSON encoding, unions are not wrapped ({@code "batch_id": "w-1"}, not
 * {@code {"string": "w-1"}}); timestamps are epoch milliseconds as in the schema; bytes are Base64.
 */
public final class AvroJson {

    private AvroJson() {}

    public static JsonObject toJson(IndexedRecord record) {
        return (JsonObject) value(record, record.getSchema());
    }

    private static Object value(Object datum, Schema schema) {
        if (datum == null) {
            return null;
        }
        switch (schema.getType()) {
            case RECORD: {
                IndexedRecord record = (IndexedRecord) datum;
                JsonObject json = new JsonObject();
                for (Schema.Field field : schema.getFields()) {
                    json.put(field.name(), value(record.get(field.pos()), field.schema()));
                }
                return json;
            }
            case UNION: {
                List<Schema> types = schema.getTypes();
                // The usual ["null", X]: the datum is not null here, so it is an X.
                if (types.size() == 2 && types.get(0).getType() == Schema.Type.NULL) {
                    return value(datum, types.get(1));
                }
                return value(datum, types.get(SpecificData.get().resolveUnion(schema, datum)));
            }
            case ARRAY: {
                JsonArray array = new JsonArray();
                for (Object item : (Collection<?>) datum) {
                    array.add(value(item, schema.getElementType()));
                }
                return array;
            }
            case MAP: {
                JsonObject json = new JsonObject();
                ((Map<?, ?>) datum).forEach((k, v) -> json.put(k.toString(), value(v, schema.getValueType())));
                return json;
            }
            case ENUM:
            case STRING:
                return datum.toString();
            case BYTES:
                return Base64.getEncoder().encodeToString(Bytes.of((ByteBuffer) datum));
            case LONG:
                return datum instanceof Instant instant ? instant.toEpochMilli() : datum;
            default:
                return datum;
        }
    }
}
