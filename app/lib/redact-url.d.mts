export function redactTokens(text: string): string;
export function redactUrl(url: string): string;
