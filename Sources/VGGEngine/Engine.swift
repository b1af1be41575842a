// Placeholder: engine lands here.
