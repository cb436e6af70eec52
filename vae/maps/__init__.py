"""The latent map: projections, the decoded manifold, inverse maps, exports, the movie, large maps, UMAP."""
