package dev.umbra.kafka.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.schemas.CheckpointIdentity;
import dev.umbra.schemas.Diversity;
import dev.umbra.schemas.GeneratedImage;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.ModelIdentity;
import dev.umbra.schemas.Status;
import dev.umbra.schemas.Timings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class AvroJsonTest {

    private static ImageResult fullResult() {
        return ImageResult.newBuilder()
                .setRequestId("r1")
                .setStatus(Status.OK)
                .setImages(List.of(GeneratedImage.newBuilder().setIndex(0).setSeed(42)
                        .setImageEmbedding(List.of(0.5f, -1.25f)).setImage(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                        .setImageFormat("png").setTextImageAlignment(0.75f).build()))
                .setTimings(Timings.newBuilder().setQueueWaitMs(1).setBatchWaitMs(2).setTokenizeMs(3)
                        .setTextEncodeMs(4).setPriorMs(5).setDecodeMs(0).setPublishMs(6).setEndToEndMs(21).build())
                .setBatchId("w-1")
                .setBatchSize(4)
                .setDiversity(Diversity.newBuilder().setMeanPairwiseCosineDistance(0.25).setVendiScore(1.5).build())
                .setModel(ModelIdentity.newBuilder().setName("m").setCheckpoints(List.of(CheckpointIdentity.newBuilder()
                        .setRole("prior").setName("p").setSha256("ab").build())).build())
                .setWorkerId("w")
                .setCompletedAt(Instant.ofEpochMilli(1_700_000_000_123L))
                .setMetadata(Map.of("tenant", "t"))
                .build();
    }

    @Test
    void everyFieldIsWrittenWithUnionsUnwrapped() {
        JsonObject json = AvroJson.toJson(fullResult());
        assertAllFields(ImageResult.getClassSchema(), json);
        assertEquals("OK", json.getString("status"));
        assertNull(json.getValue("error_code"));
        assertEquals("w-1", json.getString("batch_id"), "a union value is not wrapped in {\"string\": ...}");
        assertEquals(1_700_000_000_123L, json.getLong("completed_at"));
        assertEquals(1.5, json.getJsonObject("diversity").getDouble("vendi_score"));
        JsonObject image = json.getJsonArray("images").getJsonObject(0);
        assertEquals(new JsonArray().add(0.5f).add(-1.25f), image.getJsonArray("image_embedding"));
        assertEquals("AQID", image.getString("image"));
        assertEquals("t", json.getJsonObject("metadata").getString("tenant"));
        assertEquals("prior", json.getJsonObject("model").getJsonArray("checkpoints").getJsonObject(0).getString("role"));
        // One line of valid JSON that reads back the same.
        assertEquals(json, new JsonObject(json.encode()));
        assertTrue(!json.encode().contains("\n"));
    }

    private static void assertAllFields(Schema schema, JsonObject json) {
        for (Schema.Field field : schema.getFields()) {
            assertTrue(json.containsKey(field.name()), "missing " + field.name() + " in " + json);
        }
    }
}
