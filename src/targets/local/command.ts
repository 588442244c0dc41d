/** Values a local command line may name as ${image}, ${version}, ${color} and ${port}. */
export type CommandValues = Partial<Record<'image' | 'version' | 'color' | 'port', string>>;

/** Fills the ${name} placeholders of each argument; an unknown name is left as written. */
export function fillCommand(command: readonly string[], values: CommandValues): string[] {
  return command.map((arg) => arg.replace(/\$\{(image|version|color|port)\}/g, (match, name: keyof CommandValues) => values[name] ?? match));
}
