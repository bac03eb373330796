// @peculiar/x509 needs the Reflect metadata polyfill before it is first imported.
import 'reflect-metadata';
