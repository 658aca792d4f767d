package dev.umbra.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.Status;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Each status maps to its exception, which keeps the answer; FAILED is also what a newer, unknown status reads as. */
class ErrorReplyExceptionTest {

    @Test
    void eachStatusHasItsException() {
        assertNull(ErrorReplyException.of(Replies.ok("r-ok")));
        ImageResult rejected = Replies.of("r-1", Status.REJECTED, "EMPTY_PROMPT", "prompt is empty");
        RejectedException r = assertInstanceOf(RejectedException.class, ErrorReplyException.of(rejected));
        assertSame(rejected, r.result());
        assertEquals("r-1", r.requestId());
        assertEquals("EMPTY_PROMPT", r.errorCode());
        assertEquals("prompt is empty", r.errorMessage());
        assertEquals("request r-1 REJECTED EMPTY_PROMPT: prompt is empty", r.getMessage());
        assertInstanceOf(ExpiredException.class, ErrorReplyException.of(
                Replies.of("r-2", Status.EXPIRED, "DEADLINE_EXCEEDED", "late")));
        FailedException f = assertInstanceOf(FailedException.class, ErrorReplyException.of(
                Replies.of("r-3", Status.FAILED, "DECODE_FAILED", "the decoder failed")));
        assertEquals("DECODE_FAILED", f.errorCode());
    }

    @Test
    void aTimeoutNamesTheRequestAndTheTimeout() {
        ReplyTimeoutException e = new ReplyTimeoutException("r-9", Duration.ofMillis(1500));
        assertEquals("r-9", e.requestId());
        assertEquals(Duration.ofMillis(1500), e.timeout());
        assertEquals("no reply to request r-9 within 1500 ms", e.getMessage());
    }
}
