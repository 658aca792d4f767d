package dev.umbra.cli;

import dev.umbra.decoder.pool.DecoderOptions;
import dev.umbra.kafka.DecodeConfig;
import dev.umbra.worker.DecodeStage;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The decoder pool and where pictures go, shared by {@code run} and {@code demo}. */
final class DecoderMixin {

    @Option(names = "--decoder", paramLabel = "auto|shapes|torchscript|http|none", defaultValue = DecoderOptions.AUTO,
            description = "Decoder turning embeddings into pictures: auto (the model's decoder/ when it has one),"
                    + " shapes, torchscript (a UNet and MoVQ exported as TorchScript, --decoder-model), http (a"
                    + " decoder service, --decoder-url), or none (embeddings only). Default: ${DEFAULT-VALUE}.")
    String decoder;

    @Option(names = "--decoder-model", paramLabel = "DIR",
            description = "The folder of --decoder torchscript: unet.pt, movq.pt and decoder.json as written by"
                    + " deploy/decoder-torchscript/export.py (default: the model's decoder/).")
    Path decoderModel;

    @Option(names = "--decoder-url", paramLabel = "URL",
            description = "The decoder service of --decoder http (protocol: deploy/decoder-server/README.md).")
    java.net.URI url;

    @Option(names = "--decoder-timeout-ms", paramLabel = "N", defaultValue = "120000",
            description = "Longest one call to the decoder service may take (default: ${DEFAULT-VALUE}).")
    long timeoutMillis;

    @Option(names = "--decoder-workers", paramLabel = "N", defaultValue = "" + 1,
            description = "Decoder threads, each with its own copy of the decoder (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--decode-queue", paramLabel = "N", defaultValue = "" + 32,
            description = "Images waiting for a decoder at which fetching pauses; it resumes at half"
                    + " (default: ${DEFAULT-VALUE}).")
    int queueBound;

    @Option(names = "--decode-batch", paramLabel = "N", defaultValue = "" + 16,
            description = "Most images per decoder call (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--decode-attempts", paramLabel = "N", defaultValue = "" + 2,
            description = "Tries of a request's images before it is answered FAILED with DECODE_FAILED"
                    + " (default: ${DEFAULT-VALUE}).")
    int attempts;

    @Option(names = "--decoder-candidates", paramLabel = "N", defaultValue = "" + 8,
            description = "Shapes decoder: pictures drawn per image and reranked by CLIP (default: ${DEFAULT-VALUE}).")
    int candidates;

    @Option(names = "--inline-image-limit", paramLabel = "BYTES", defaultValue = "" + DecodeConfig.DEFAULT_INLINE_LIMIT_BYTES,
            description = "Pictures up to this size travel inside the result; larger ones are written under"
                    + " --image-dir and the result carries their URI (default: ${DEFAULT-VALUE}).")
    int inlineLimit;

    @Option(names = "--image-dir", paramLabel = "DIR",
            description = "Where pictures above the inline limit are written (default: umbra-images; for demo,"
                    + " OUT/images).")
    Path imageDir;

    @Option(names = "--no-embeddings", description = "Leave the image embeddings out of results that carry pictures.")
    boolean noEmbeddings;

    DecodeConfig toConfig(Path defaultImageDir) {
        return new DecodeConfig(new DecoderOptions(decoder, workers, queueBound, maxBatch, attempts, candidates, url,
                java.time.Duration.ofMillis(timeoutMillis), decoderModel),
                new DecodeStage.Settings(inlineLimit, !noEmbeddings), imageDir == null ? defaultImageDir : imageDir);
    }
}
