package dev.umbra.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.batch.Batch;
import dev.umbra.batch.BatchItem;
import dev.umbra.decoder.DecodeRequest;
import dev.umbra.decoder.DecodedImage;
import dev.umbra.decoder.ImageDecoder;
import dev.umbra.decoder.pool.DecoderPool;
import dev.umbra.decoder.shapes.ShapesImageDecoder;
import dev.umbra.decoder.store.FileSystemImageStore;
import dev.umbra.io.Bytes;
import dev.umbra.io.Images;
import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.ImageEncoder;
import dev.umbra.model.ModelPaths;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.schemas.CheckpointIdentity;
import dev.umbra.schemas.GeneratedImage;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.PromptRequest;
import dev.umbra.schemas.Status;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decode stage on the shipped shapes model: prior answers in, pictures out, inline or stored, or FAILED. */
class DecodeStageTest {

    private static final RuntimeOptions CPU = new RuntimeOptions("cpu", "auto", 0);
    private static final ShapesImageDecoder.Sampling SAMPLING = new ShapesImageDecoder.Sampling(1f, 2);

    private static EclipseModel model;
    private static DecoderPool pool;
    private static Path dir;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        dir = EmbeddedModels.defaultModelDir();
        model = EclipseModel.load(ModelPaths.of(dir), CPU, EmbeddedModels.DEFAULT_MODEL_NAME);
        pool = DecoderPool.start("test-decoder", new DecoderPool.Settings(1, 16, 64, 8, 1), DecodeStageTest::decoder);
    }

    @AfterAll
    static void close() {
        pool.close();
        model.close();
    }

    private static ShapesImageDecoder decoder() {
        return ShapesImageDecoder.load(dir.resolve("decoder"), dir.resolve("image_encoder"), CPU, SAMPLING);
    }

    private static Answer answer(String id, String prompt, int images) {
        InferenceService service = new InferenceService(EmbeddingEngine.of(model), new WorkerLimits(100, 8), "w",
                WorkerClock.system(), () -> 7L);
        PromptRequest request = PromptRequest.newBuilder().setRequestId(id).setPrompt(prompt).setNumImages(images)
                .setSeed(40L).setCreatedAt(Instant.now()).build();
        Admission admission = service.admit(request, Instant.now(), System.nanoTime());
        if (admission instanceof Admission.Answered answered) {
            return answered.answer();
        }
        InferenceJob job = ((Admission.Accepted) admission).job();
        Batch<InferenceJob> batch = new Batch<>(1, List.of(new BatchItem<>(job, job.rows(), job.receivedAtNanos())),
                job.rows(), System.nanoTime());
        return service.process(batch).get(0);
    }

    private static float[] embedding(GeneratedImage image) {
        float[] out = new float[image.getImageEmbedding().size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = image.getImageEmbedding().get(i);
        }
        return out;
    }

    @Test
    void picturesTravelInlineAsPngAndAreTheDecodersOwn() throws Exception {
        DecodeStage stage = new DecodeStage(pool, new FileSystemImageStore(tmp), new DecodeStage.Settings(256 * 1024,
                true), WorkerClock.system(), null);
        Answer prior = answer("r1", "a red circle", 2);
        List<float[]> embeddings = prior.result().getImages().stream().map(DecodeStageTest::embedding).toList();
        ImageResult r = stage.decode(prior).get(60, TimeUnit.SECONDS).result();
        assertEquals(Status.OK, r.getStatus());
        assertTrue(r.getTimings().getDecodeMs() > 0, "decode time is measured");
        List<DecodedImage> direct;
        try (ShapesImageDecoder d = decoder()) {
            direct = d.decode(List.of(new DecodeRequest(embeddings.get(0), null, 40),
                    new DecodeRequest(embeddings.get(1), null, 41)));
        }
        for (int i = 0; i < 2; i++) {
            GeneratedImage image = r.getImages().get(i);
            assertEquals("png", image.getImageFormat());
            assertNull(image.getImageUri());
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(Bytes.of(image.getImage())));
            assertEquals(64, png.getWidth());
            assertSamePicture(direct.get(i).rgb(), Images.toRgb(png), "image " + i);
            assertEquals(64, image.getImageEmbedding().size(), "embeddings kept");
            assertEquals(64, image.getWidth());
            assertEquals(64, image.getHeight());
        }
        // Diversity of the pictures as RGB vectors (no image tower here), by hand: 1 - cos, and the Vendi score of
        // two vectors, whose K/2 has eigenvalues (1 + cos) / 2 and (1 - cos) / 2.
        double cos = cosine(rgbVector(r.getImages().get(0)), rgbVector(r.getImages().get(1)));
        assertEquals("pixels", r.getDiversity().getBasis());
        assertEquals(1 - cos, r.getDiversity().getMeanPairwiseCosineDistance(), 1e-6);
        double a = (1 + cos) / 2;
        double b = (1 - cos) / 2;
        assertEquals(Math.exp(-(a * Math.log(a) + b * Math.log(b))), r.getDiversity().getVendiScore(), 1e-4);
        assertTrue(1 - cos > 1e-4, "two seeds give two different pictures");
        // The result names the decoder's exact weights beside the prior's.
        CheckpointIdentity decoder = r.getModel().getCheckpoints().stream()
                .filter(c -> c.getRole().equals(DecodeStage.DECODER_ROLE)).findFirst().orElseThrow();
        assertEquals(pool.identity(), decoder.getName());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(
                Files.readAllBytes(dir.resolve("decoder").resolve(ShapesImageDecoder.WEIGHTS)))), decoder.getSha256());
        assertTrue(r.getModel().getCheckpoints().stream().anyMatch(c -> c.getRole().equals("prior")));
    }

    @Test
    void withAnImageTowerDiversityIsThatOfThePicturesClipEmbeddings() throws Exception {
        try (ImageEncoder tower = ImageEncoder.load(dir.resolve("image_encoder"), CPU)) {
            DecodeStage stage = new DecodeStage(pool, new FileSystemImageStore(tmp), new DecodeStage.Settings(1 << 20,
                    true), WorkerClock.system(), images -> {
                        float[] px = new float[images.size() * 3 * 64 * 64];
                        for (int i = 0; i < images.size(); i++) {
                            Images.toChannelsFirst(images.get(i).rgb(), px, i * 3 * 64 * 64);
                        }
                        return tower.embed(px, images.size());
                    });
            ImageResult r = stage.decode(answer("r5", "a green square", 2)).get(60, TimeUnit.SECONDS).result();
            float[] px = new float[2 * 3 * 64 * 64];
            for (int i = 0; i < 2; i++) {
                BufferedImage png = ImageIO.read(new ByteArrayInputStream(Bytes.of(r.getImages().get(i).getImage())));
                Images.toChannelsFirst(Images.toRgb(png), px, i * 3 * 64 * 64);
            }
            float[][] e = tower.embed(px, 2);
            assertEquals("decoded_image_embeddings", r.getDiversity().getBasis());
            assertEquals(1 - cosine(e[0], e[1]), r.getDiversity().getMeanPairwiseCosineDistance(), 1e-5);
        }
    }

    private static float[] rgbVector(GeneratedImage image) throws java.io.IOException {
        int[] rgb = Images.toRgb(ImageIO.read(new ByteArrayInputStream(Bytes.of(image.getImage()))));
        float[] v = new float[rgb.length * 3];
        for (int p = 0; p < rgb.length; p++) {
            v[3 * p] = ((rgb[p] >> 16) & 0xFF) / 255f;
            v[3 * p + 1] = ((rgb[p] >> 8) & 0xFF) / 255f;
            v[3 * p + 2] = (rgb[p] & 0xFF) / 255f;
        }
        return v;
    }

    private static double cosine(float[] x, float[] y) {
        double dot = 0;
        double nx = 0;
        double ny = 0;
        for (int i = 0; i < x.length; i++) {
            dot += x[i] * (double) y[i];
            nx += x[i] * (double) x[i];
            ny += y[i] * (double) y[i];
        }
        return dot / Math.sqrt(nx * ny);
    }

    @Test
    void picturesAboveTheLimitAreStoredAndTheResultCarriesTheirUri() throws Exception {
        DecodeStage stage = new DecodeStage(pool, new FileSystemImageStore(tmp), new DecodeStage.Settings(0, false),
                WorkerClock.system(), null);
        ImageResult r = stage.decode(answer("../../escape", "a blue square", 1)).get(60, TimeUnit.SECONDS).result();
        GeneratedImage image = r.getImages().get(0);
        assertNull(image.getImage());
        Path file = Path.of(URI.create(image.getImageUri()));
        assertTrue(file.startsWith(tmp.toAbsolutePath()), file + " stays under the store's root");
        assertEquals(64, ImageIO.read(file.toFile()).getWidth());
        assertEquals(0, image.getImageEmbedding().size(), "embeddings dropped when not kept");
    }

    @Test
    void aDecoderThatFailsGivesAFailedResultWithTheReason() throws Exception {
        try (DecoderPool broken = DecoderPool.start("broken", new DecoderPool.Settings(1, 4, 8, 4, 2),
                BrokenDecoder::new)) {
            DecodeStage stage = new DecodeStage(broken, new FileSystemImageStore(tmp),
                    new DecodeStage.Settings(1024, true), WorkerClock.system(), null);
            ImageResult r = stage.decode(answer("r3", "a red circle", 2)).get(60, TimeUnit.SECONDS).result();
            assertEquals(Status.FAILED, r.getStatus());
            assertEquals("DECODE_FAILED", r.getErrorCode());
            assertTrue(r.getErrorMessage().contains("after 2 attempt(s)")
                    && r.getErrorMessage().contains("out of decoder memory"), r.getErrorMessage());
            assertEquals(List.of(), r.getImages());
            assertNull(r.getDiversity());
        }
    }

    @Test
    void answersThatAreNotOkPassThrough() throws Exception {
        DecodeStage stage = new DecodeStage(pool, new FileSystemImageStore(tmp), new DecodeStage.Settings(1024, true),
                WorkerClock.system(), null);
        Answer rejected = answer("r4", " ", 1);
        assertEquals(Status.REJECTED, rejected.result().getStatus());
        assertSame(rejected, stage.decode(rejected).get(1, TimeUnit.SECONDS));
    }

    /** Equal to a level of rounding: libtorch may sum in another order on another thread. */
    private static void assertSamePicture(int[] expected, int[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        int worst = 0;
        for (int p = 0; p < expected.length; p++) {
            for (int shift = 0; shift <= 16; shift += 8) {
                worst = Math.max(worst, Math.abs(((expected[p] >> shift) & 0xFF) - ((actual[p] >> shift) & 0xFF)));
            }
        }
        assertTrue(worst <= 2, what + ": pixels differ by up to " + worst + " levels from the decoder's own");
    }


    /** A decoder that always fails, as one out of memory would. */
    static final class BrokenDecoder implements ImageDecoder {
        @Override
        public List<DecodedImage> decode(List<DecodeRequest> requests) {
            throw new IllegalStateException("out of decoder memory");
        }

        @Override
        public int embeddingDim() {
            return 64;
        }

        @Override
        public String identity() {
            return "broken";
        }

        @Override
        public void close() {}
    }
}
