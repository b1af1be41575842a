// Placeholder: image decoding lands here.
