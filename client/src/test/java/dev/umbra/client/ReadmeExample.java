package dev.umbra.client;

import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.PromptRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * The example program of the README's "Java client" section: the code between the markers is the README's, word for
 * word ({@link ReadmeExampleTest} checks it and runs it against a worker).
 *
 * <p>Arguments: the bootstrap servers (default localhost:9092) and the prompts topic (default umbra.prompts).
 */
public final class ReadmeExample {

    private ReadmeExample() {}

    public static void main(String[] args) throws Exception {
        String bootstrapServers = args.length > 0 ? args[0] : "localhost:9092";
        String promptsTopic = args.length > 1 ? args[1] : "umbra.prompts";
        // README:begin
        try (UmbraClient client = UmbraClient.builder(bootstrapServers)
                .promptsTopic(promptsTopic)               // the workers' --prompts-topic
                .defaultTimeout(Duration.ofSeconds(30))   // per request, unless given to generate
                .maxOutstanding(100)                      // generate blocks while 100 await their answers
                .build()) {
            // One prompt: the future completes with the worker's answer.
            ImageResult one = client.generate("a red circle to the left of a blue square").get();
            System.out.println(one.getRequestId() + ": " + one.getImages().size() + " image(s), seed "
                    + one.getImages().get(0).getSeed());

            // A batch: every answer in request order, or the first error (the rest are cancelled).
            List<PromptRequest> batch = List.of(
                    UmbraClient.newRequest("a blue square").setNumImages(2).build(),
                    UmbraClient.newRequest("a yellow cross").setSeed(42L).setMetadata(Map.of("tenant", "acme")).build());
            for (ImageResult r : client.generateAll(batch).get()) {
                System.out.println(r.getRequestId() + ": " + r.getStatus() + ", " + r.getImages().size() + " image(s)");
            }

            // Asynchronously: the reply thread is never blocked by what runs here.
            client.generate("a green triangle", Duration.ofSeconds(10))
                    .thenAccept(r -> System.out.println("async: " + r.getStatus() + " from " + r.getWorkerId()))
                    .join();

            // Errors are typed; a refusal carries the worker's answer and its error code.
            try {
                client.generate("").get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RejectedException rejected) {
                    System.out.println("rejected: " + rejected.errorCode() + " (" + rejected.errorMessage() + ")");
                } else if (e.getCause() instanceof ReplyTimeoutException timeout) {
                    System.out.println("no answer within " + timeout.timeout() + ": see the client's README");
                } else {
                    throw e;   // ExpiredException, FailedException, TooManyOutstandingException...
                }
            }
        }
        // README:end
    }
}
