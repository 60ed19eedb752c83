import { mount } from 'svelte';
import { uiLanguage } from './i18n/i18n.svelte';
import App from './ui/App.svelte';
import './ui/app.css';

const target = document.getElementById('app');
if (target === null) throw new Error('index.html lacks #app');
// English is in the bundle; another language's catalogue is its own chunk, in before the first
// paint so no screen shows in English first (a failed fetch shows English, the fallback).
void uiLanguage.ready.then(() => mount(App, { target }));
