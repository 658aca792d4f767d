package dev.umbra.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.schemas.PromptRequest;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {

    private final RequestValidator validator = new RequestValidator(new WorkerLimits(20, 4), "served");

    static PromptRequest.Builder request(String prompt) {
        return PromptRequest.newBuilder().setRequestId("r1").setPrompt(prompt).setCreatedAt(Instant.EPOCH);
    }

    private Rejection rejection(PromptRequest.Builder request) {
        Optional<Rejection> r = validator.validate(request.build());
        assertTrue(r.isPresent(), "expected a rejection");
        return r.get();
    }

    @Test
    void validRequestsPass() {
        assertEquals(Optional.empty(), validator.validate(request("a red cube").build()));
        assertEquals(Optional.empty(), validator.validate(request("x".repeat(20)).setNumImages(4).setModel("served")
                .setNegativePrompt("blurry").build()));
    }

    @Test
    void emptyOrBlankPromptIsEmptyPrompt() {
        assertEquals(ErrorCode.EMPTY_PROMPT, rejection(request("")).code());
        Rejection blank = rejection(request(" \t\n"));
        assertEquals(ErrorCode.EMPTY_PROMPT, blank.code());
    }

    @Test
    void promptOverTheCapIsTooLongNamingLengthAndLimit() {
        Rejection r = rejection(request("x".repeat(21)));
        assertEquals(ErrorCode.PROMPT_TOO_LONG, r.code());
        assertTrue(r.message().contains("21") && r.message().contains("20"), r.message());
        Rejection negative = rejection(request("ok").setNegativePrompt("y".repeat(25)));
        assertEquals(ErrorCode.PROMPT_TOO_LONG, negative.code());
        assertTrue(negative.message().startsWith("negative_prompt"), negative.message());
    }

    @Test
    void numImagesOutsideOneToTheCapIsInvalid() {
        for (int n : new int[] {0, -3, 5}) {
            Rejection r = rejection(request("ok").setNumImages(n));
            assertEquals(ErrorCode.INVALID_NUM_IMAGES, r.code());
            assertTrue(r.message().contains("got " + n) && r.message().contains(" 4 "), r.message());
        }
    }

    @Test
    void anotherModelNameIsUnknownModel() {
        Rejection r = rejection(request("ok").setModel("karlo"));
        assertEquals(ErrorCode.UNKNOWN_MODEL, r.code());
        assertTrue(r.message().contains("'karlo'") && r.message().contains("'served'"), r.message());
    }
}
