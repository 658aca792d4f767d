package dev.umbra.decoder.torchscript;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.decoder.DecodeOptions;
import dev.umbra.decoder.DecodeRequest;
import dev.umbra.decoder.DecodedImage;
import dev.umbra.io.Npy;
import dev.umbra.model.RuntimeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java loop against the Python loop of the export script, on the shipped tiny TorchScript files: the same
 * embeddings and noise give the same pictures (DDIM at 64x64, DDPM at 128 wide by 64 high; guidance 4, 1 and 7.5;
 * one request without a negative embedding). Then what a user relies on: guidance matters, seeds reproduce,
 * batching changes nothing, bad options are refused.
 */
class TorchScriptDecoderTest {

    /** float32 pixels in about [-2, 2.5] after 4 steps; what was measured is printed. */
    static final float TOLERANCE = 1e-4f;

    static TorchScriptDecoder ddim;
    static TorchScriptDecoder ddpm;
    static float[][] embeds;

    @BeforeAll
    static void load() {
        TorchScriptDecoderConfig config = TorchScriptDecoderConfig.load(TinyExport.dir());
        ddpm = TorchScriptDecoder.load(TinyExport.dir(), new RuntimeOptions("cpu", "auto", 0));
        ddim = TorchScriptDecoder.load(TinyExport.dir(), config.withSampler(Sampler.Kind.DDIM),
                new RuntimeOptions("cpu", "auto", 0));
        TinyExport.Ref e = TinyExport.ref("embeds.npy");
        embeds = new float[(int) e.shape()[0]][];
        for (int i = 0; i < embeds.length; i++) {
            embeds[i] = e.row(i);
        }
    }

    @AfterAll
    static void close() {
        if (ddim != null) {
            ddim.close();
        }
        if (ddpm != null) {
            ddpm.close();
        }
    }

    /** The reference's three requests; request 2's negative embedding is absent (the reference used zeros). */
    static List<DecodeRequest> referenceRequests(int width, int height) {
        TinyExport.Ref negative = TinyExport.ref("negative_embeds.npy");
        TinyExport.Ref guidance = TinyExport.ref("guidance.npy");
        List<DecodeRequest> requests = new ArrayList<>();
        for (int i = 0; i < embeds.length; i++) {
            requests.add(new DecodeRequest(embeds[i], i == 2 ? null : negative.row(i), 100 + i,
                    new DecodeOptions(4, guidance.values()[i], width, height)));
        }
        return requests;
    }

    @Test
    void ddimMatchesThePythonReference() {
        List<TorchScriptDecoder.Rendered> out = ddim.render(referenceRequests(64, 64),
                TinyExport.noise(TinyExport.ref("ddim_init_noise.npy"), null));
        TinyExport.Ref want = TinyExport.ref("ddim_images.npy");
        float worst = 0;
        for (int i = 0; i < out.size(); i++) {
            assertEquals(64, out.get(i).width());
            worst = Math.max(worst, TinyExport.maxAbsDiff(want.row(i), out.get(i).chw()));
        }
        System.out.printf("DDIM, 4 steps, 3 requests: max |java - python| = %.3g%n", worst);
        assertTrue(worst < TOLERANCE, "DDIM differs from the reference by " + worst);
    }

    @Test
    void ddpmMatchesThePythonReferenceWithItsStepNoise() {
        List<TorchScriptDecoder.Rendered> out = ddpm.render(referenceRequests(128, 64),
                TinyExport.noise(TinyExport.ref("ddpm_init_noise.npy"), TinyExport.ref("ddpm_step_noise.npy")));
        TinyExport.Ref want = TinyExport.ref("ddpm_images.npy");
        assertArrayEquals(new long[] {3, 3, 64, 128}, want.shape());
        float worst = 0;
        for (int i = 0; i < out.size(); i++) {
            assertEquals(128, out.get(i).width());
            assertEquals(64, out.get(i).height());
            worst = Math.max(worst, TinyExport.maxAbsDiff(want.row(i), out.get(i).chw()));
        }
        System.out.printf("DDPM, 4 steps, 3 requests, 128x64: max |java - python| = %.3g%n", worst);
        assertTrue(worst < TOLERANCE, "DDPM differs from the reference by " + worst);
    }

    @Test
    void theScheduleVisitsTheReferenceTimesteps() {
        NoiseSchedule schedule = new NoiseSchedule(ddpm.config().scheduler());
        float[] want = TinyExport.ref("ddpm_timesteps.npy").values();
        int[] got = schedule.timesteps(4);
        for (int i = 0; i < want.length; i++) {
            assertEquals((int) want[i], got[i]);
        }
    }

    @Test
    void guidanceChangesThePicture() {
        float[] negative = new float[embeds[0].length];
        Arrays.fill(negative, 0.5f);
        List<TorchScriptDecoder.Rendered> out = ddim.render(List.of(
                new DecodeRequest(embeds[0], negative, 5, new DecodeOptions(4, 1f, null, null)),
                new DecodeRequest(embeds[0], negative, 5, new DecodeOptions(4, 4f, null, null))), NoiseSource.seeded());
        float diff = TinyExport.maxAbsDiff(out.get(0).chw(), out.get(1).chw());
        assertTrue(diff > 0.05f, "guidance 1 and 4 give nearly the same picture (max difference " + diff + ")");
    }

    @Test
    void theSameSeedGivesTheSamePictureAndAnotherSeedAnother() {
        DecodeRequest a = new DecodeRequest(embeds[1], null, 42);
        DecodedImage first = ddpm.decode(List.of(a)).get(0);
        DecodedImage again = ddpm.decode(List.of(a)).get(0);
        DecodedImage other = ddpm.decode(List.of(new DecodeRequest(embeds[1], null, 43))).get(0);
        assertEquals(64, first.width());
        assertEquals(64, first.height());
        assertArrayEquals(first.rgb(), again.rgb());
        assertTrue(!Arrays.equals(first.rgb(), other.rgb()), "seeds 42 and 43 gave the same picture");
    }

    @Test
    void aBatchGivesWhatEachRequestGetsAlone() {
        float[] negative = gaussians(new Random(3), embeds[0].length);
        List<DecodeRequest> batch = List.of(
                new DecodeRequest(embeds[0], negative, 1, new DecodeOptions(3, 4f, 64, 64)),
                new DecodeRequest(embeds[1], null, 2, new DecodeOptions(2, 1f, 128, 64)),
                new DecodeRequest(embeds[2], null, 3, new DecodeOptions(3, 7.5f, 64, 64)),
                new DecodeRequest(embeds[0], negative, 4, DecodeOptions.DEFAULTS));
        List<DecodedImage> together = ddpm.decode(batch);
        for (int i = 0; i < batch.size(); i++) {
            DecodedImage alone = ddpm.decode(List.of(batch.get(i))).get(0);
            int worst = TinyExport.maxLevelDiff(alone, together.get(i));
            // the same noise and math; only libtorch's batched kernels may round differently
            assertTrue(worst <= 1, "request " + i + " differs by " + worst + " levels in a batch");
        }
    }

    static float[] gaussians(Random random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }

    @Test
    void aRequestWithoutNegativeIsGuidedAwayFromTheUnconditionalEmbedding(@TempDir Path temp) throws Exception {
        Path dir = TinyExport.copyTo(temp.resolve("export"));
        float[] unconditional = gaussians(new Random(9), 64);
        Npy.write(dir.resolve("uncond.npy"), new float[][] {unconditional});
        Path json = dir.resolve(TorchScriptDecoderConfig.FILE);
        Files.writeString(json, Files.readString(json).replace("\"sampler\": \"ddpm\"",
                "\"sampler\": \"ddpm\",\n  \"unconditional_embedding\": \"uncond.npy\""));
        try (TorchScriptDecoder d = TorchScriptDecoder.load(dir, new RuntimeOptions("cpu", "auto", 0))) {
            List<TorchScriptDecoder.Rendered> out = d.render(List.of(new DecodeRequest(embeds[0], null, 7),
                    new DecodeRequest(embeds[0], unconditional, 7), new DecodeRequest(embeds[0], new float[64], 7)),
                    NoiseSource.seeded());
            assertEquals(0f, TinyExport.maxAbsDiff(out.get(0).chw(), out.get(1).chw()));
            assertTrue(TinyExport.maxAbsDiff(out.get(0).chw(), out.get(2).chw()) > 0.05f, "zeros were used");
            assertNotEquals(ddpm.weightsSha256(), d.weightsSha256(), "the embedding file is part of the identity");
        }
    }

    @Test
    void defaultsComeFromDecoderJson() {
        TorchScriptDecoder.Plan plan = ddpm.plan(new DecodeRequest(embeds[0], null, 1), 0);
        assertEquals(new TorchScriptDecoder.Plan(8, 4f, 64, 64), plan);
        assertEquals(Sampler.Kind.DDPM, ddpm.sampler());
        assertTrue(ddpm.identity().startsWith("torchscript-decoder:torchscript-tiny@"), ddpm.identity());
        assertEquals(64, ddpm.weightsSha256().length());
        assertTrue(ddpm.identity().endsWith("@" + ddpm.weightsSha256().substring(0, 16)), ddpm.identity());
        assertEquals(64, ddpm.embeddingDim());
    }

    @Test
    void badOptionsAreRefusedWithTheReason() {
        assertRefused(new DecodeOptions(0, null, null, null), "steps must be between 1 and 1000 (got 0)");
        assertRefused(new DecodeOptions(1001, null, null, null), "steps must be between 1 and 1000 (got 1001)");
        assertRefused(new DecodeOptions(null, 0.5f, null, null), "guidance must be a number of at least 1");
        assertRefused(new DecodeOptions(null, Float.NaN, null, null), "guidance must be a number of at least 1");
        assertRefused(new DecodeOptions(null, null, 100, 64), "multiples of 64 from 64 to 4096 (got 100x64)");
        assertRefused(new DecodeOptions(null, null, 64, 8192), "(got 64x8192)");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ddpm.decode(List.of(new DecodeRequest(new float[3], null, 1))));
        assertEquals("request 0: the image embedding has 3 values; this decoder takes 64", e.getMessage());
    }

    private static void assertRefused(DecodeOptions options, String reason) {
        List<DecodeRequest> requests = List.of(new DecodeRequest(embeds[0], null, 1),
                new DecodeRequest(embeds[1], null, 1, options));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ddpm.decode(requests));
        assertTrue(e.getMessage().startsWith("request 1: ") && e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void pixelsMapFromMinusOneToOneAndClamp() {
        float[] chw = {-1f, 0f, 1f, 2.5f, -3f, 0.5f};
        DecodedImage image = TorchScriptDecoder.toImage(new TorchScriptDecoder.Rendered(2, 1, chw),
                TorchScriptDecoderConfig.OutputRange.MINUS_ONE_TO_ONE);
        // red from plane 0 (-1, 0), green from plane 1 (1, 2.5), blue from plane 2 (-3, 0.5)
        assertEquals(0x00FF00, image.rgb()[0]);
        assertEquals(128 << 16 | 0xFF << 8 | 191, image.rgb()[1]);
        assertNotEquals(image.rgb()[0], image.rgb()[1]);
    }
}
