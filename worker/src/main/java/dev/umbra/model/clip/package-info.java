/** CLIP's text tower, transformers' {@code CLIPTextModelWithProjection}, with its config. */
package dev.umbra.model.clip;
