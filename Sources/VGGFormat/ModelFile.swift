// Placeholder: the model file reader/writer lands here.
