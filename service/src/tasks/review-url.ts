/** A task's review page (the service's /ui), absolute: it goes to people, in chat or a pull request. */
export function reviewUrl(publicUrl: string, taskId: string): string {
  return `${publicUrl.replace(/\/$/, '')}/ui/tasks/${taskId}`;
}
