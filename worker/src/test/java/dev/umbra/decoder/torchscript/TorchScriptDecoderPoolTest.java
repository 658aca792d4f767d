package dev.umbra.decoder.torchscript;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.decoder.DecodeOptions;
import dev.umbra.decoder.DecodeRequest;
import dev.umbra.decoder.DecodedImage;
import dev.umbra.decoder.pool.DecoderOptions;
import dev.umbra.decoder.pool.DecoderPool;
import dev.umbra.decoder.pool.DecoderPools;
import dev.umbra.model.ModelException;
import dev.umbra.model.RuntimeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decoder pool opens the TorchScript decoder by name, or by itself from a model whose decoder/ holds one. */
class TorchScriptDecoderPoolTest {

    static final RuntimeOptions CPU = new RuntimeOptions("cpu", "auto", 0);

    static DecoderOptions options(String decoder, Path dir) {
        return new DecoderOptions(decoder, 2, 8, 4, 1, 1, null, Duration.ofSeconds(5), dir);
    }

    static DecodeRequest request(long seed, DecodeOptions options) {
        float[] e = new float[64];
        for (int i = 0; i < e.length; i++) {
            e[i] = (float) Math.sin(seed + i);
        }
        return new DecodeRequest(e, null, seed, options);
    }

    @Test
    void twoThreadsDecodeWhatOneDecoderDoes() throws Exception {
        List<DecodeRequest> first = List.of(request(1, DecodeOptions.DEFAULTS),
                request(2, new DecodeOptions(2, 1f, 128, 64)));
        List<DecodeRequest> second = List.of(request(3, new DecodeOptions(3, 6f, 64, 64)));
        List<DecodedImage> direct;
        try (TorchScriptDecoder decoder = TorchScriptDecoder.load(TinyExport.dir(), CPU)) {
            direct = decoder.decode(List.of(first.get(0), first.get(1), second.get(0)));
        }
        DecoderPool pool = DecoderPools.open(options(DecoderOptions.TORCHSCRIPT, TinyExport.dir()),
                Path.of("no-model-needed"), CPU, 16, 64).orElseThrow();
        try (pool) {
            CompletableFuture<List<DecodedImage>> a = pool.submit(first);
            CompletableFuture<List<DecodedImage>> b = pool.submit(second);
            List<DecodedImage> images = a.get(60, TimeUnit.SECONDS);
            images = List.of(images.get(0), images.get(1), b.get(60, TimeUnit.SECONDS).get(0));
            assertEquals(128, images.get(1).width());
            for (int i = 0; i < 3; i++) {
                // batched differently by the pool: libtorch may round a level apart, no more
                assertTrue(TinyExport.maxLevelDiff(direct.get(i), images.get(i)) <= 1, "picture " + i);
            }
            assertTrue(pool.identity().startsWith("torchscript-decoder:torchscript-tiny@"), pool.identity());
            assertEquals(64, pool.embeddingDim());
            assertTrue(pool.identity().endsWith("@" + pool.weightsSha256().substring(0, 16)), pool.weightsSha256());
            // a bad request fails alone, with the decoder's reason
            ExecutionException bad = assertThrows(ExecutionException.class,
                    () -> pool.submit(List.of(request(4, new DecodeOptions(null, null, 96, 64)))).get(60,
                            TimeUnit.SECONDS));
            assertTrue(String.valueOf(bad.getCause().getMessage()).contains("multiples of 64"),
                    String.valueOf(bad.getCause()));
        }
    }

    @Test
    void autoFindsAnExportInTheModelsDecoderFolder(@TempDir Path model) throws Exception {
        TinyExport.copyTo(model.resolve("decoder"));
        DecoderPool pool = DecoderPools.open(options(DecoderOptions.AUTO, null), model, CPU, 16, 64).orElseThrow();
        try (pool) {
            assertTrue(pool.identity().startsWith("torchscript-decoder:decoder@"), pool.identity());
            assertEquals(64, pool.submit(List.of(request(1, DecodeOptions.DEFAULTS))).get(60, TimeUnit.SECONDS)
                    .get(0).height());
        }
    }

    @Test
    void aDecoderForAnotherEmbeddingWidthOrNoFolderIsRefusedAtOpen(@TempDir Path model) {
        ModelException e = assertThrows(ModelException.class,
                () -> DecoderPools.open(options(DecoderOptions.TORCHSCRIPT, TinyExport.dir()), model, CPU, 16, 1280));
        assertTrue(e.getMessage().endsWith("decoder.json: the decoder takes image embeddings of 64 values; the prior"
                + " makes 1280"), e.getMessage());
        e = assertThrows(ModelException.class,
                () -> DecoderPools.open(options(DecoderOptions.TORCHSCRIPT, null), model, CPU, 16, 64));
        assertTrue(e.getMessage().contains("folder not found (--decoder torchscript needs --decoder-model DIR"),
                e.getMessage());
        e = assertThrows(ModelException.class,
                () -> DecoderPools.open(options(DecoderOptions.TORCHSCRIPT, model), model, CPU, 16, 64));
        assertTrue(e.getMessage().contains(": no decoder.json (--decoder torchscript needs"), e.getMessage());
        assertTrue(Files.isDirectory(model));
    }

    @Test
    void aTorchScriptFolderGoesOnlyWithTorchScriptOrAuto() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> options(DecoderOptions.SHAPES, TinyExport.dir()));
        assertTrue(e.getMessage().contains("--decoder-model names a TorchScript decoder's folder"), e.getMessage());
    }
}
