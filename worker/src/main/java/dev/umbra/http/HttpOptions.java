package dev.umbra.http;

/**
 * Where the worker serves HTTP (metrics, health, the gallery).
 *
 * @param host the address to bind: loopback unless the operator opens it (in a container, {@code 0.0.0.0})
 * @param port the port; 0 for any free one (the server reports the one it got)
 */
public record HttpOptions(String host, int port) {

    public static final String DEFAULT_HOST = "127.0.0.1";

    public HttpOptions {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("--http-host must not be empty");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("--http-port must be between 0 and 65535 (got " + port + ")");
        }
    }
}
