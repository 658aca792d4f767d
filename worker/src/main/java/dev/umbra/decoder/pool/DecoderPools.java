package dev.umbra.decoder.pool;

import dev.umbra.decoder.http.HttpDecoderClient;
import dev.umbra.decoder.shapes.ShapesImageDecoder;
import dev.umbra.decoder.torchscript.TorchScriptDecoder;
import dev.umbra.decoder.torchscript.TorchScriptDecoderConfig;
import dev.umbra.model.ModelException;
import dev.umbra.model.RuntimeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Opens the decoder pool a worker's options ask for, on the model it serves. */
public final class DecoderPools {

    private DecoderPools() {}

    /**
     * @param modelDir the served model's folder ({@code decoder/} and {@code image_encoder/} beside the prior)
     * @param capacity     images the pool may hold before it refuses one (at least the queue bound)
     * @param embeddingDim E of the served prior, what an HTTP decoder service must take and a TorchScript decoder is
     *                     checked against (0: not known)
     * @return the running pool, or empty when the options ask for none or {@code auto} finds no decoder
     */
    public static Optional<DecoderPool> open(DecoderOptions options, Path modelDir, RuntimeOptions runtime,
            int capacity, int embeddingDim) {
        DecoderPool.Settings settings = new DecoderPool.Settings(options.workers(), options.queueBound(),
                Math.max(capacity, options.queueBound()), options.maxBatch(), options.attempts());
        if (options.decoder().equals(DecoderOptions.HTTP)) {
            HttpDecoderClient.Settings d = HttpDecoderClient.Settings.kandinsky(options.url());
            HttpDecoderClient client = HttpDecoderClient.start(new HttpDecoderClient.Settings(d.endpoint(),
                    embeddingDim, options.timeout(), d.maxRetries(), d.backoff(), d.breakerFailures(),
                    d.breakerReset(), d.steps(), d.guidance(), d.width(), d.height(), Math.max(d.connections(),
                    options.workers())));
            return Optional.of(DecoderPool.start("umbra-decoder", settings, client::decoder, client));
        }
        Path decoder = options.modelDir() != null ? options.modelDir() : modelDir.resolve("decoder");
        Path imageTower = modelDir.resolve("image_encoder");
        boolean present = Files.isDirectory(decoder);
        // auto: a decoder/ holding an export of deploy/decoder-torchscript is a TorchScript decoder
        if (options.decoder().equals(DecoderOptions.TORCHSCRIPT) || (options.decoder().equals(DecoderOptions.AUTO)
                && (options.modelDir() != null || Files.isRegularFile(decoder.resolve(TorchScriptDecoderConfig.FILE))))) {
            return Optional.of(openTorchScript(decoder, present, settings, runtime, embeddingDim));
        }
        if (options.decoder().equals(DecoderOptions.NONE) || (options.decoder().equals(DecoderOptions.AUTO)
                && !present)) {
            return Optional.empty();
        }
        if (!present) {
            throw new ModelException(decoder + ": folder not found (--decoder shapes needs a model with decoder/ and"
                    + " image_encoder/, such as the embedded shapes model or one from train-shapes)");
        }
        ShapesImageDecoder.Sampling sampling = new ShapesImageDecoder.Sampling(1f, options.candidates());
        Path tower = Files.isDirectory(imageTower) ? imageTower : null;
        return Optional.of(DecoderPool.start("umbra-decoder", settings,
                () -> ShapesImageDecoder.load(decoder, tower, runtime, sampling)));
    }

    private static DecoderPool openTorchScript(Path dir, boolean present, DecoderPool.Settings settings,
            RuntimeOptions runtime, int embeddingDim) {
        if (!present || !Files.isRegularFile(dir.resolve(TorchScriptDecoderConfig.FILE))) {
            throw new ModelException(dir + (present ? ": no decoder.json" : ": folder not found") + " (--decoder"
                    + " torchscript needs --decoder-model DIR, or a model whose decoder/ holds unet.pt, movq.pt and"
                    + " decoder.json from deploy/decoder-torchscript/export.py)");
        }
        // read once here, so that a prior/decoder mismatch stops the worker before any thread loads weights
        TorchScriptDecoderConfig config = TorchScriptDecoderConfig.load(dir);
        if (embeddingDim > 0 && config.embeddingDim() != embeddingDim) {
            throw new ModelException(dir.resolve(TorchScriptDecoderConfig.FILE) + ": the decoder takes image"
                    + " embeddings of " + config.embeddingDim() + " values; the prior makes " + embeddingDim);
        }
        return DecoderPool.start("umbra-decoder", settings, () -> TorchScriptDecoder.load(dir, config, runtime));
    }
}
