/** The shapes world's detector: finds objects, colors, shapes and relations in an image, and scores them. */
package dev.umbra.shapes.detect;
