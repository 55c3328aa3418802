// Placeholder: the host wiring lands with the messaging layer.
return 0;
