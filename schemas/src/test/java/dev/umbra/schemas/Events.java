package dev.umbra.schemas;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Sample events for the tests: every field set, and variants with the optional ones left null. */
final class Events {

  static final Instant CREATED = Instant.ofEpochMilli(1_767_225_600_123L); // timestamp-millis keeps milliseconds only

  private Events() {
  }

  static PromptRequest fullRequest() {
    return PromptRequest.newBuilder()
        .setRequestId("req-0001")
        .setPrompt("a red cube on top of a blue sphere")
        .setNegativePrompt("blurry, low quality")
        .setNumImages(3)
        .setSeed(42L)
        .setModel("eclipse-kandinsky-2.2")
        .setCreatedAt(CREATED)
        .setDeadline(CREATED.plusMillis(30_000))
        .setMetadata(Map.of("tenant", "acme", "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "unicode", "größe ✓ 画像"))
        .setDecoderOptions(DecoderOptions.newBuilder()
            .setNumInferenceSteps(25).setGuidanceScale(4.5f).setHeight(512).setWidth(768).setOutputFormat("jpeg").build())
        .setReplyTopic("umbra.replies.client-7")
        .setReplyPartition(3)
        .build();
  }

  /** Required fields only; every optional field at its default (nulls, empty map). */
  static PromptRequest minimalRequest() {
    return PromptRequest.newBuilder().setRequestId("req-0002").setPrompt("a cat").setCreatedAt(CREATED).build();
  }

  static List<Float> embedding(int dim, long seed) {
    java.util.Random random = new java.util.Random(seed);
    List<Float> values = new ArrayList<>(dim);
    for (int i = 0; i < dim; i++) {
      values.add((float) random.nextGaussian());
    }
    values.set(0, Float.MIN_VALUE); // extremes survive the float encoding
    values.set(1, -Float.MAX_VALUE);
    return values;
  }

  static Timings timings() {
    return Timings.newBuilder().setQueueWaitMs(12.5).setBatchWaitMs(3.25).setTokenizeMs(0.75).setTextEncodeMs(40.0)
        .setPriorMs(55.5).setDecodeMs(1200.0).setPublishMs(0.5).setEndToEndMs(1312.5).build();
  }

  static ImageResult okResult() {
    List<GeneratedImage> images = List.of(
        GeneratedImage.newBuilder().setIndex(0).setSeed(42L).setImageEmbedding(embedding(1280, 1))
            .setImage(ByteBuffer.wrap(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2})).setImageUri(null)
            .setImageFormat("png").setWidth(64).setHeight(64).setTextImageAlignment(0.31f).build(),
        GeneratedImage.newBuilder().setIndex(1).setSeed(43L).setImageEmbedding(embedding(1280, 2))
            .setImage(null).setImageUri("s3://bucket/req-0001/1.png").setImageFormat("png").setWidth(1024)
            .setHeight(768).setTextImageAlignment(-0.02f).build());
    return ImageResult.newBuilder()
        .setRequestId("req-0001")
        .setStatus(Status.OK)
        .setErrorCode(null)
        .setErrorMessage(null)
        .setImages(images)
        .setTimings(timings())
        .setBatchId("worker-1/batch-17")
        .setBatchSize(8)
        .setDiversity(Diversity.newBuilder().setMeanPairwiseCosineDistance(0.4).setVendiScore(1.7)
            .setBasis("decoded_image_embeddings").build())
        .setModel(ModelIdentity.newBuilder().setName("eclipse-kandinsky-2.2").setCheckpoints(List.of(
            CheckpointIdentity.newBuilder().setRole("prior").setName("ECLIPSE-Kandinsky-v2.2")
                .setSha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08").build(),
            CheckpointIdentity.newBuilder().setRole("text_encoder").setName("clip-vit-bigG")
                .setSha256("60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752").build()))
            .build())
        .setWorkerId("worker-1")
        .setCompletedAt(CREATED.plusMillis(1313))
        .setMetadata(Map.of("tenant", "acme"))
        .build();
  }

  /** A rejected request's answer: no images, no diversity, no model, errors set. */
  static ImageResult rejectedResult() {
    return ImageResult.newBuilder()
        .setRequestId("req-0003")
        .setStatus(Status.REJECTED)
        .setErrorCode("INVALID_NUM_IMAGES")
        .setErrorMessage("num_images 0 is outside 1..8")
        .setTimings(Timings.newBuilder().setQueueWaitMs(1.0).setBatchWaitMs(0).setTokenizeMs(0).setTextEncodeMs(0)
            .setPriorMs(0).setPublishMs(0.1).setEndToEndMs(1.1).build())
        .setWorkerId("worker-1")
        .setCompletedAt(CREATED)
        .build();
  }

  static DeadLetter deadLetter() {
    return DeadLetter.newBuilder()
        .setOriginalValue(ByteBuffer.wrap("{\"prompt\":\"json is not avro\"}".getBytes(StandardCharsets.UTF_8)))
        .setOriginalKey(ByteBuffer.wrap(new byte[] {'k', 0, (byte) 0xFF}))
        .setSourceTopic("umbra.prompts")
        .setSourcePartition(3)
        .setSourceOffset(1_234_567_890_123L)
        .setErrorCode("NOT_SINGLE_OBJECT_ENCODED")
        .setReason("PromptRequest value is not Avro single-object encoded: it starts 7B 22 instead of C3 01")
        .setWorkerId("worker-1")
        .setFailedAt(CREATED)
        .build();
  }

  /** A tombstone's dead letter: no value, no key. */
  static DeadLetter tombstoneDeadLetter() {
    return DeadLetter.newBuilder(deadLetter()).setOriginalValue(null).setOriginalKey(null)
        .setErrorCode("EMPTY_VALUE").setReason("PromptRequest value is null (a tombstone), not an event").build();
  }

  /** A prior's OK answer on its way to a decoder, with a negative embedding per image and decoder options. */
  static PriorOutput priorOutput() {
    ImageResult result = okResult();
    return PriorOutput.newBuilder()
        .setResult(result)
        .setCreatedAt(CREATED)
        .setNegativeEmbeddings(List.of(embedding(1280, 3), embedding(1280, 4)))
        .setDecoderOptions(DecoderOptions.newBuilder().setNumInferenceSteps(25).setGuidanceScale(4f).build())
        .setReplyTopic("umbra.replies.client-7")
        .setReplyPartition(3)
        .build();
  }
}
