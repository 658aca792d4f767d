/** The shapes world: its fixed facts, scenes, the caption grammar and the renderer. */
package dev.umbra.shapes.world;
