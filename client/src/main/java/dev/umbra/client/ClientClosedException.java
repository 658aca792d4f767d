package dev.umbra.client;

/** The client was closed before the request's answer came (or before it was sent). */
public final class ClientClosedException extends UmbraException {

    public ClientClosedException(String requestId) {
        super(requestId, "the client was closed before request " + requestId + " was answered");
    }
}
