"""Errors the engine raises for bad input: values a user can act on, carried per image."""


class ImageError(ValueError):
    """An input image cannot be processed; `code` is a stable machine-readable reason."""

    code = "image_error"


class UnsupportedFormat(ImageError):
    code = "unsupported_format"


class CorruptImage(ImageError):
    code = "corrupt_image"


class ImageTooLarge(ImageError):
    code = "image_too_large"


class RecipeError(ValueError):
    """A recipe (aspect, size, preset, shadow ...) is invalid; raised before any work starts."""

    code = "invalid_recipe"
