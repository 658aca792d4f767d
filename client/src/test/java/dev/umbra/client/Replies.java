package dev.umbra.client;

import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.Status;
import dev.umbra.schemas.Timings;
import java.time.Instant;
import java.util.List;

/** Synthetic answers, as a worker writes them, for what a test cannot make a worker do on demand. */
final class Replies {

    private Replies() {}

    static ImageResult of(String requestId, Status status, String errorCode, String errorMessage) {
        return ImageResult.newBuilder().setRequestId(requestId).setStatus(status).setErrorCode(errorCode)
                .setErrorMessage(errorMessage).setImages(List.of())
                .setTimings(Timings.newBuilder().setQueueWaitMs(0).setBatchWaitMs(0).setTokenizeMs(0)
                        .setTextEncodeMs(0).setPriorMs(0).setDecodeMs(0).setPublishMs(0).setEndToEndMs(0).build())
                .setWorkerId("synthetic").setCompletedAt(Instant.now()).build();
    }

    static ImageResult ok(String requestId) {
        return of(requestId, Status.OK, null, null);
    }
}
