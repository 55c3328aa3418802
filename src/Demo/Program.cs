// Placeholder: the demo lands with the client.
return 0;
