package dev.umbra.cli;

import dev.umbra.http.HttpOptions;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where to serve metrics, health and the gallery over HTTP. */
final class HttpMixin {

    @Option(names = "--http-port", paramLabel = "PORT",
            description = "Serve /metrics (Prometheus), /health/live, /health/ready and the live gallery (/) on this"
                    + " port; 0 for any free one. Off unless given.")
    Integer port;

    @Option(names = "--http-host", paramLabel = "HOST", defaultValue = HttpOptions.DEFAULT_HOST,
            description = "Address to bind HTTP to (default: ${DEFAULT-VALUE}, loopback; 0.0.0.0 in a container).")
    String host;

    /** The options, or empty when HTTP is off. */
    Optional<HttpOptions> options() {
        return port == null ? Optional.empty() : Optional.of(new HttpOptions(host, port));
    }
}
