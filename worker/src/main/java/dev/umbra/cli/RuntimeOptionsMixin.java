package dev.umbra.cli;

import dev.umbra.model.RuntimeOptions;
import picocli.CommandLine.Option;

/** How to run the model: the options every command that loads one shares. */
final class RuntimeOptionsMixin {

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--dtype", defaultValue = "auto", description = "auto (fp16 on GPU, fp32 on CPU), float32 or float16.")
    String dtype;

    @Option(names = "--pad-token-id", paramLabel = "ID", defaultValue = "" + RuntimeOptions.DEFAULT_PAD_TOKEN_ID,
            description = "Padding id: 0 (Kandinsky, Karlo) or 49407 (openai/clip-vit-large-patch14). Default: ${DEFAULT-VALUE}.")
    long padTokenId;

    RuntimeOptions toRuntimeOptions() {
        return new RuntimeOptions(device, dtype, padTokenId);
    }
}
